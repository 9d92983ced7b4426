# EDP-CTNet (tiny) on the Dubai CPU data without KD: the pruned DP-CTNet
# (exported by tools/pruning/export_pruned.py from
# prune-l1_dpctnet-t_1xb8-100_dubai-384px.py) fine-tuned for 500 iterations
# with the plain segmentation loss; mmrazor's static `sub_model`.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.fix_subnet=PRUNE_DIR/fix_subnet.json \
#       load_from=PRUNE_DIR/pruned.pth
_base_ = ['./dpctnet-t_1xb8-1k_dubai-384px.py']

prune_dir = 'work_dirs/prune-l1_dpctnet-t_1xb8-100_dubai-384px'
dpctnet = dict(_base_.model, _scope_='mmseg')
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='sub_model',
    cfg=dpctnet,
    fix_subnet=prune_dir + '/fix_subnet.json',
    mode='mutator')
load_from = prune_dir + '/pruned.pth'
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=500,
        by_epoch=False)
]
train_cfg = dict(max_iters=500, val_interval=250)
