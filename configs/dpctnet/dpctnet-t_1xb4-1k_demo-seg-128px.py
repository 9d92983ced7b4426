# DP-CTNet (tiny) trained from scratch on the embedded synthetic segmentation
# set: the teacher of the demo-size EDP-CTNet pipeline (configs/dpctnet/
# README.md). 1k iterations of SGD + poly.
_base_ = [
    '../_base_/models/dpctnet-t.py',
    '../_base_/datasets/demo-seg-128px.py',
    '../_base_/schedules/sgd-poly_2k.py',
    '../_base_/default_runtime_seg.py',
]
model = dict(data_preprocessor=_base_.data_preprocessor)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=1000,
        by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500))
