# UC Merced Land Use: 21 classes x 100 images, 256x256 px, 0.3 m.
# data/ucm/Images/<class>/*.tif
# (the archive's UCMerced_LandUse/Images). Papers: 50% or 80% training ratio:
#   python tools/dataset_converters/rs_split.py data/ucm/Images \
#       data/ucm/splits/tr80 --dataset ucm --train-ratio 0.8 --val-ratio 0.05
_base_ = ['./rs-scene-224px.py']
data_root = 'data/ucm'
split = 'splits/tr80'  # folder of train.txt / val.txt / test.txt (rs_split.py)
train_dataloader = dict(
    dataset=dict(
        type='UCMerced',
        data_root=data_root,
        data_prefix='Images',
        ann_file=split + '/train.txt'))
val_dataloader = dict(
    dataset=dict(
        type='UCMerced',
        data_root=data_root,
        data_prefix='Images',
        ann_file=split + '/val.txt'))
test_dataloader = dict(
    dataset=dict(
        type='UCMerced',
        data_root=data_root,
        data_prefix='Images',
        ann_file=split + '/test.txt'))
data_preprocessor = dict(num_classes=21)
