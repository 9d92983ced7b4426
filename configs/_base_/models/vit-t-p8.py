# A tiny vision transformer (4 layers, 64 dims, 8x8 patches, drop-path 0.1)
# for 64 px images, trained from scratch with AdamW. It normalises with
# mean/std 127.5, unlike the CNNs, so as a teacher member it exercises the
# per-model normalisation and the teacher's full eval(). Its configs train
# it with AdamW (lr 1e-3, weight decay 0.05, gradient clipping).
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        to_rgb=True),
    backbone=dict(
        type='VisionTransformer',
        arch=dict(
            embed_dims=64, num_layers=4, num_heads=4,
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
