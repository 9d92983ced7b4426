# Your own tiles: a folder-based remote-sensing segmentation set read by
# mmseg's BaseSegDataset. Layout:
#   data/my_tiles/img_dir/{train,val}/<name>.png    RGB tiles
#   data/my_tiles/ann_dir/{train,val}/<name>.png    8-bit class-index masks
# Set the class names and palette below (masks hold 0..N-1, 255 = ignore);
# a mask with any other value stops the run with its file named.
_base_ = ['./rs-seg-512px.py']
metainfo = dict(
    classes=('impervious', 'building', 'low_vegetation', 'tree', 'car',
             'clutter'),
    palette=[[255, 255, 255], [0, 0, 255], [0, 255, 255], [0, 255, 0],
             [255, 255, 0], [255, 0, 0]])
num_classes = 6
reduce_zero_label = False
dataset_type = 'BaseSegDataset'
data_root = 'data/my_tiles'
img_suffix = '.png'
seg_map_suffix = '.png'
train_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=(512, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=_base_.crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='RSKDLoadImageFromFile'),
    dict(type='Resize', scale=(512, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='RSKDCheckSegLabels', num_classes=num_classes),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix=img_suffix,
        seg_map_suffix=seg_map_suffix,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metainfo=metainfo,
        img_suffix=img_suffix,
        seg_map_suffix=seg_map_suffix,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
