# Structured channel pruning of the trained DP-CTNet (tiny) with mmrazor:
# an L1-norm criterion (RSKDChannelUnit, mmrazor's L1MutableChannelUnit) on
# every channel unit that mmrazor's ChannelAnalyzer finds (CNN path,
# FRM/FFM, transformer MLPs, head) and on the transformer's embedding width
# and heads (declared by DPCTNet; RSKDDualPathChannelMutator), pruned in 4
# steps to 25% of the channels
# (RSKDItePrune = mmrazor's ItePruneAlgorithm with one target ratio) while
# training, starting from the teacher's weights:
#   python tools/train.py THIS_CONFIG --cfg-options load_from=TEACHER.pth
# then export the pruned structure and weights (EDP-CTNet):
#   python tools/pruning/export_pruned.py THIS_CONFIG WORK_DIR/iter_200.pth
_base_ = ['./dpctnet-t_1xb4-1k_demo-seg-128px.py']

teacher_ckpt = 'work_dirs/dpctnet-t_1xb4-1k_demo-seg-128px/iter_1000.pth'
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
    step_freq=25,
    prune_times=4)

param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=200,
        by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(interval=200))
