# DP-CTNet (base) on your own folder of tiles
# (configs/_base_/datasets/rs-folder-512px.py), 512x512 crops, 80k iterations
# on 4 GPUs x 4 images (mmseg's schedule), trained from scratch:
#   bash tools/dist_train.sh THIS_CONFIG 4
_base_ = [
    '../_base_/models/dpctnet-b.py',
    '../_base_/datasets/rs-folder-512px.py',
    '../_base_/schedules/sgd-poly_80k.py',
    '../_base_/default_runtime_seg.py',
]
model = dict(
    data_preprocessor=_base_.data_preprocessor,
    decode_head=dict(num_classes=6),
    auxiliary_head=dict(num_classes=6))
default_hooks = dict(checkpoint=dict(interval=8000))
