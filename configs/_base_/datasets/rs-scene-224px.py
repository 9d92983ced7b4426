# Generic remote-sensing scene classification at 224 px: any data set in the
# `<data_prefix>/<class>/<image>` layout with `<class>/<image> <label>`
# annotation files (tools/dataset_converters/rs_split.py writes them). The
# data-set fragments (ucm-224px.py, aid-224px.py, nwpu45-224px.py) fill in the
# dataset type, root and split; for your own data set, set them the same way
# with type='RSKDSceneDataset' (class names from meta/classes.txt, or
# metainfo=dict(classes=[...])); its annotation files are checked on build.
dataset_type = 'RSKDSceneDataset'

data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.5, 1.0)),
    # overhead imagery has no canonical orientation
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25],
        direction=['horizontal', 'vertical']),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    dataset=dict(type=dataset_type, pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    dataset=dict(type=dataset_type, pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
