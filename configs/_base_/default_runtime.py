# Runtime for scene classification (mmpretrain scope). Distillation configs
# keep this default scope and build their algorithm with _scope_='mmrazor'.
_base_ = ['./custom_imports.py']

default_scope = 'mmpretrain'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # stop at the first NaN/inf loss term, before a checkpoint is written
    finite_loss=dict(type='RSKDFiniteLossHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs; rskd_mm switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
# mmengine's Runner with strict checkpoint loading (rskd_mm.engine.runner):
# load_from / --resume / tools/test.py stop on a checkpoint that does not fit.
runner_type = 'RSKDRunner'
load_from = None
# True: load_from may fill part of the model (the rest is logged)
load_partial = False
resume = False
randomness = dict(seed=0, deterministic=False)
