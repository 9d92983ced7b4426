# The tiny ViT from scratch on EuroSAT (64 px), 3 epochs: the ViT member of
# the CPU-sized EuroSAT ensemble teacher.
_base_ = [
    '../_base_/datasets/eurosat-64px.py',
    '../_base_/schedules/sgd-cosine_3e.py',
    '../_base_/default_runtime.py',
    '../_base_/models/vit-t-p8.py',
]
model = dict(head=dict(num_classes=10))
train_dataloader = dict(batch_size=64, num_workers=2)
val_dataloader = dict(batch_size=128, num_workers=2)
test_dataloader = dict(batch_size=128, num_workers=2)
auto_scale_lr = dict(base_batch_size=64)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
