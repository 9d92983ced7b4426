# EDP-CTNet (tiny) fine-tuned with angle knowledge distillation (AKD) from
# the DP-CTNet teacher: the angles of all triplets of fused feature vectors
# (FFM of stage 1, pooled to 16x16 = 256 vectors per image) must match the
# teacher's (RSKDAngleKD), next to the student's own segmentation loss.
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.teacher_ckpt=TEACHER.pth \
#       model.architecture.fix_subnet=PRUNE_DIR/fix_subnet.json \
#       load_from=PRUNE_DIR/pruned.pth
_base_ = [
    './edpctnet-t_1xb4-1k_demo-seg-128px.py',
    '../_base_/models/distiller-akd-ffm1.py',
]

teacher_ckpt = 'work_dirs/dpctnet-t_1xb4-1k_demo-seg-128px/iter_1000.pth'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    # teacher and student normalise alike: one preprocessor for both
    data_preprocessor=dict(
        _base_.data_preprocessor, type='mmseg.SegDataPreProcessor'),
    normalize_per_model=False,
    architecture=_base_.model,
    teacher=_base_.dpctnet,
    teacher_ckpt=teacher_ckpt,
    distiller=_base_.distiller)
load_from = _base_.load_from
