# EDP-CTNet (tiny) on the Dubai CPU data, fine-tuned with angle knowledge
# distillation from the DP-CTNet teacher (AKD on the stage-1 fused features,
# 16x16 vectors per 128 px crop), next to its own segmentation loss.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.teacher_ckpt=TEACHER.pth \
#       model.architecture.fix_subnet=PRUNE_DIR/fix_subnet.json \
#       load_from=PRUNE_DIR/pruned.pth
_base_ = [
    './edpctnet-t_1xb8-500_dubai-384px.py',
    '../_base_/models/distiller-akd-ffm1.py',
]

teacher_ckpt = 'work_dirs/dpctnet-t_1xb8-1k_dubai-384px/iter_1000.pth'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    data_preprocessor=dict(
        _base_.data_preprocessor, type='mmseg.SegDataPreProcessor'),
    normalize_per_model=False,
    architecture=_base_.model,
    teacher=_base_.dpctnet,
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)
load_from = _base_.load_from
