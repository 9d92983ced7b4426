# ResNet-18 at width 32, from scratch on EuroSAT (64 px), 3 epochs: the CNN
# member of the CPU-sized EuroSAT ensemble teacher.
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/datasets/eurosat-64px.py',
    '../_base_/schedules/sgd-cosine_3e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=10))
train_dataloader = dict(batch_size=64, num_workers=2)
val_dataloader = dict(batch_size=128, num_workers=2)
test_dataloader = dict(batch_size=128, num_workers=2)
auto_scale_lr = dict(base_batch_size=64)
