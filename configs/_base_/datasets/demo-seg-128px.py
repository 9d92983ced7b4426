# The embedded synthetic segmentation set (5 classes, 128x128 px tiles),
# written by `python tools/dataset_converters/generate_synthetic_rs.py seg
# data/demo_seg`. mmseg layout: img_dir/{train,val}, ann_dir/{train,val};
# 255 marks unannotated pixels.
dataset_type = 'BaseSegDataset'
data_root = 'data/demo_seg'
metainfo = dict(
    classes=('land', 'water', 'road', 'building', 'vegetation'),
    palette=[[200, 180, 140], [40, 90, 180], [128, 128, 128], [200, 60, 50],
             [40, 140, 40]])
crop_size = (128, 128)

data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)

train_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=5),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=5),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
