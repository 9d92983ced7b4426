# EDP-CTNet (tiny) without KD: the pruned DP-CTNet (structure and weights
# exported by tools/pruning/export_pruned.py from the pruning run) fine-tuned
# with the plain segmentation loss on the embedded set. The model is mmrazor's
# `sub_model`: the DP-CTNet config with the exported channel choices applied,
# a plain (static) mmseg EncoderDecoder.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.fix_subnet=PRUNE_DIR/fix_subnet.json \
#       load_from=PRUNE_DIR/pruned.pth
_base_ = ['./dpctnet-t_1xb4-1k_demo-seg-128px.py']

prune_dir = 'work_dirs/prune-l1_dpctnet-t_1xb4-200_demo-seg-128px'
dpctnet = dict(_base_.model, _scope_='mmseg')
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='sub_model',
    cfg=dpctnet,
    fix_subnet=prune_dir + '/fix_subnet.json',
    mode='mutator')
load_from = prune_dir + '/pruned.pth'
