# NWPU-RESISC45: 45 classes x 700 images, 256x256 px.
# data/nwpu45/images/<class>/*.jpg.
# Papers: 10% or 20% training ratio:
#   python tools/dataset_converters/rs_split.py data/nwpu45/images \
#       data/nwpu45/splits/tr20 --dataset nwpu45 --train-ratio 0.2 \
#       --val-ratio 0.05
_base_ = ['./rs-scene-224px.py']
data_root = 'data/nwpu45'
split = 'splits/tr20'  # folder of train.txt / val.txt / test.txt (rs_split.py)
train_dataloader = dict(
    dataset=dict(
        type='NWPURESISC45',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/train.txt'))
val_dataloader = dict(
    dataset=dict(
        type='NWPURESISC45',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/val.txt'))
test_dataloader = dict(
    dataset=dict(
        type='NWPURESISC45',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/test.txt'))
data_preprocessor = dict(num_classes=45)
