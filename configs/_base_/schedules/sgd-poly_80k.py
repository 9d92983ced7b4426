# mmseg's 80k-iteration SGD + poly schedule (4 GPUs x 4 images).
_base_ = ['./sgd-poly_2k.py']
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=80000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
auto_scale_lr = dict(base_batch_size=16)
