# A tiny vision transformer (4 layers, 64 dims, 8x8 patches) on the embedded
# synthetic scene set: the ViT member of the demo-sized HMKD ensemble. It
# normalises with mean/std 127.5, unlike the CNNs, and uses drop-path, so it
# exercises the teacher's own normalisation and full eval() when it teaches.
_base_ = [
    '../_base_/datasets/demo_scene-64px.py',
    '../_base_/schedules/sgd-cosine_30e.py',
    '../_base_/default_runtime.py',
]
data_preprocessor = dict(
    _delete_=True,
    num_classes=8,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True)
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=64,
            num_layers=4,
            num_heads=4,
            feedforward_channels=128),
        img_size=64,
        patch_size=8,
        drop_path_rate=0.1),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=8,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss')))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
