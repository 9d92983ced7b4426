# Dubai aerial imagery at CPU scale (the Dubai rows of docs/results.md):
# every tile is rescaled to fit 384x384 (long side 384, aspect ratio kept),
# randomly rescaled 0.5-2x and cut into 128x128 crops for training;
# validation and test run on the whole 384-px tile, scored against the
# full-resolution mask (mmseg resizes the prediction back). Two loader
# workers: the project machine has 2 cores. GPU users: dubai-512px.py.
_base_ = ['./dubai-512px.py']
crop_size = (128, 128)
scale = (384, 384)
data_preprocessor = dict(size=crop_size)
train_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=_base_.num_classes),
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=_base_.num_classes),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
