# The shared 512 px recipe for remote-sensing segmentation tiles (mmseg's
# ISPRS recipe): random rescale 0.5-2x, 512x512 crops, flips, photometric
# distortion; whole-image test padded to a multiple of 32 (DP-CTNet's
# largest stride). Leaf dataset fragments set the dataset type, root,
# classes and `num_classes` of the label check.
num_classes = 6
crop_size = (512, 512)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size,
    test_cfg=dict(size_divisor=32))
reduce_zero_label = True
train_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=reduce_zero_label),
    dict(type='RSKDCheckSegLabels', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='Resize', scale=(512, 512), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=reduce_zero_label),
    dict(type='RSKDCheckSegLabels', num_classes=num_classes),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# mmseg's IoUMetric plus the per-class IoU in the returned metrics
val_evaluator = dict(type='RSKDIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
