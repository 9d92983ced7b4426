# L1 channel pruning of the Dubai DP-CTNet (tiny) teacher to 25% of the
# channels of every unit, in 4 steps over 100 iterations (the recipe of
# prune-l1_dpctnet-t_1xb4-200_demo-seg-128px.py on the Dubai CPU data):
#   python tools/train.py THIS_CONFIG --cfg-options load_from=TEACHER.pth
#   python tools/pruning/export_pruned.py THIS_CONFIG WORK_DIR/iter_100.pth
_base_ = ['./dpctnet-t_1xb8-1k_dubai-384px.py']

teacher_ckpt = 'work_dirs/dpctnet-t_1xb8-1k_dubai-384px/iter_1000.pth'
load_from = teacher_ckpt

architecture = dict(_base_.model, _scope_='mmseg')
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDItePrune',
    architecture=architecture,
    data_preprocessor=dict(
        _base_.data_preprocessor, type='mmseg.SegDataPreProcessor'),
    mutator_cfg=dict(
        type='RSKDDualPathChannelMutator',
        channel_unit_cfg=dict(
            type='RSKDChannelUnit', default_args=dict(choice_mode='ratio')),
        parse_cfg=dict(
            type='ChannelAnalyzer',
            demo_input=(1, 3, 128, 128),
            tracer_type='FxTracer')),
    default_ratio=0.25,
    step_freq=10,
    prune_times=4)

param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=100,
        by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_cfg = dict(max_iters=100, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=100))
