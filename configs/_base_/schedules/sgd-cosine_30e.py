# SGD with cosine decay, 30 epochs (small data sets, training from scratch).
# No warm-up phase, so that short runs (--cfg-options train_cfg.max_epochs=1)
# keep a valid schedule.
# Gradient clipping keeps small students (MobileNetV2 at width 0.25) stable
# when a KD loss adds its gradient to the cross-entropy's.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        T_max=30,
        eta_min=1e-4,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
val_cfg = dict()
test_cfg = dict()
# lr=0.05 was set for a total batch size of 32.
auto_scale_lr = dict(base_batch_size=32)
