# A short SGD + cosine schedule (3 epochs) for the CPU-sized measurements on
# EuroSAT (27k images): same optimiser as sgd-cosine_30e.py.
_base_ = ['./sgd-cosine_30e.py']
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        T_max=3,
        eta_min=1e-4,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
