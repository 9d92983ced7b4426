# ISPRS Vaihingen through mmseg's ISPRSDataset (6 classes after
# reduce_zero_label), prepared by mmseg's tools/dataset_converters/
# vaihingen.py into data/vaihingen/{img_dir,ann_dir}/{train,val}.
_base_ = ['./rs-seg-512px.py']
dataset_type = 'ISPRSDataset'
data_root = 'data/vaihingen'
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
