# AID: 30 classes, 10,000 images, 600x600 px. data/aid/images/<Class>/*.jpg.
# Papers: 20% or 50% training ratio:
#   python tools/dataset_converters/rs_split.py data/aid/images \
#       data/aid/splits/tr50 --dataset aid --train-ratio 0.5 --val-ratio 0.05
_base_ = ['./rs-scene-224px.py']
data_root = 'data/aid'
split = 'splits/tr50'  # folder of train.txt / val.txt / test.txt (rs_split.py)
train_dataloader = dict(
    dataset=dict(
        type='AID',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/train.txt'))
val_dataloader = dict(
    dataset=dict(
        type='AID',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/val.txt'))
test_dataloader = dict(
    dataset=dict(
        type='AID',
        data_root=data_root,
        data_prefix='images',
        ann_file=split + '/test.txt'))
data_preprocessor = dict(num_classes=30)
