# EDP-CTNet (the pruned DP-CTNet-B) on Vaihingen without KD: fine-tuned
# 40k iterations from the exported pruned weights.
_base_ = ['./dpctnet-b_4xb4-80k_vaihingen-512px.py']

prune_dir = 'work_dirs/prune-l1_dpctnet-b_4xb4-8k_vaihingen-512px'
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
        end=40000,
        by_epoch=False)
]
train_cfg = dict(max_iters=40000, val_interval=4000)
