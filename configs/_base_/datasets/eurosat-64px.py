# EuroSAT RGB: 10 classes, 27,000 Sentinel-2 images of 64x64 px (10 m).
# Layout: data/eurosat/images/<Class>/<Class>_<n>.jpg with
# meta/{train,val,test}.txt (the project machines' ../shared/data/eurosat_rgb
# has exactly this layout, a stratified 70/15/15 split). Trained at 64 px.
_base_ = ['./rs-scene-224px.py']
dataset_type = 'EuroSAT'
data_root = 'data/eurosat'

# Resize is a no-op at the native 64 px; it lets a run change the input size
# with --cfg-options ...pipeline.1.scale=32 (tools/analysis_tools/
# run_benchmarks.py --img-size)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=64),
    dict(
        type='RandomFlip',
        prob=[0.25, 0.25],
        direction=['horizontal', 'vertical']),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=64),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='images',
        ann_file='meta/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='images',
        ann_file='meta/val.txt',
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='images',
        ann_file='meta/test.txt',
        pipeline=test_pipeline))
data_preprocessor = dict(num_classes=10)
