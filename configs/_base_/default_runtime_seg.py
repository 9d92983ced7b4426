# Runtime for semantic segmentation (mmseg scope).
_base_ = ['./custom_imports.py']

default_scope = 'mmseg'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=1000,
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # stop at the first NaN/inf loss term, before a checkpoint is written
    finite_loss=dict(type='RSKDFiniteLossHook'),
    visualization=dict(type='SegVisualizationHook'),
)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs; rskd_mm switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)

log_level = 'INFO'
# mmengine's Runner with strict checkpoint loading (rskd_mm.engine.runner):
# load_from / --resume / tools/test.py stop on a checkpoint that does not fit.
runner_type = 'RSKDRunner'
load_from = None
# True: load_from may fill part of the model (the rest is logged)
load_partial = False
resume = False
randomness = dict(seed=0, deterministic=False)
