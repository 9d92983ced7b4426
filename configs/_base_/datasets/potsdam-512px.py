# ISPRS Potsdam through mmseg's PotsdamDataset (6 classes after
# reduce_zero_label), prepared by mmseg's tools/dataset_converters/
# potsdam.py into data/potsdam/{img_dir,ann_dir}/{train,val}.
_base_ = ['./rs-seg-512px.py']
dataset_type = 'PotsdamDataset'
data_root = 'data/potsdam'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val')))
test_dataloader = val_dataloader
