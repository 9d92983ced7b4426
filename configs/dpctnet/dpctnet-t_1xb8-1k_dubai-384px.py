# DP-CTNet (tiny) trained from scratch on the Dubai aerial set at CPU scale
# (128 px crops of tiles rescaled to 384 px; 1k iterations of 8 crops): the
# teacher of the Dubai rows of docs/results.md, which
#   python tools/analysis_tools/run_benchmarks.py --suite dubai
# trains, prunes, distils and tests. GPU users:
# dpctnet-b_4xb4-80k_dubai-512px.py.
_base_ = [
    '../_base_/models/dpctnet-t.py',
    '../_base_/datasets/dubai-384px.py',
    '../_base_/schedules/sgd-poly_2k.py',
    '../_base_/default_runtime_seg.py',
]
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=6))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=1000,
        by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
