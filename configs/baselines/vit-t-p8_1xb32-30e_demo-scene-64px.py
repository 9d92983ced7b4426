# The tiny ViT on the embedded synthetic scene set: the ViT member of the
# demo-sized HMKD ensemble.
_base_ = [
    '../_base_/datasets/demo-scene-64px.py',
    '../_base_/schedules/sgd-cosine_30e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/vit-t-p8.py',
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
