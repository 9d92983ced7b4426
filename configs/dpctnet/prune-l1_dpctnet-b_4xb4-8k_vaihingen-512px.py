# Prune the Vaihingen DP-CTNet (base) to EDP-CTNet: L1 channel pruning with
# mmrazor on every unit its ChannelAnalyzer finds and on the transformer's
# embedding width and heads (RSKDDualPathChannelMutator), in 8 steps to 25%
# of the channels, over 8k iterations of training from the teacher's weights:
#   bash tools/dist_train.sh THIS_CONFIG 4 --cfg-options load_from=TEACHER.pth
#   python tools/pruning/export_pruned.py THIS_CONFIG WORK_DIR/iter_8000.pth
# (divisor=8 keeps the pruned widths multiples of 8: on CPUs the narrow, odd
# widths otherwise cost more time than their FLOPs suggest)
_base_ = ['./dpctnet-b_4xb4-80k_vaihingen-512px.py']

load_from = 'work_dirs/dpctnet-b_4xb4-80k_vaihingen-512px/iter_80000.pth'
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
            type='RSKDChannelUnit',
            default_args=dict(choice_mode='ratio', divisor=8)),
        parse_cfg=dict(
            type='ChannelAnalyzer',
            demo_input=(1, 3, 512, 512),
            tracer_type='FxTracer')),
    default_ratio=0.25,
    step_freq=500,
    prune_times=8)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=8000,
        by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
train_cfg = dict(max_iters=8000, val_interval=4000)
default_hooks = dict(checkpoint=dict(interval=4000))
