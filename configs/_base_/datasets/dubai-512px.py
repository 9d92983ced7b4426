# Dubai aerial imagery (MBRSC / Humans in the Loop, CC0): 72 tiles of
# 509x544 to 2149x1480 px, 6 classes (255 = not annotated), split by tile
# in meta/{train,val}.txt (stems). The project machines have it at
# ../shared/data/dubai_aerial (img_dir/<stem>.jpg, ann_dir/<stem>.png).
_base_ = ['./rs-folder-512px.py']
metainfo = dict(
    classes=('water', 'land', 'road', 'building', 'vegetation', 'unlabeled'),
    palette=[[226, 169, 41], [132, 41, 246], [110, 193, 228], [60, 16, 152],
             [254, 221, 58], [155, 155, 155]])
data_root = 'data/dubai_aerial'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.jpg',
        ann_file='meta/train.txt',
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        img_suffix='.jpg',
        ann_file='meta/val.txt',
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir')))
test_dataloader = val_dataloader
