# HMKD-Net on UC Merced: the hybrid ResNet-50 + ViT-S/16 ensemble teacher
# distils a ResNet-18 student with HMKD's default loss (KL at tau 4 plus DIST's
# correlation terms on the fused output; see README.md) plus the student's own
# cross-entropy; the logit-standardised loss is lskd_...
# Train the two members first with their baseline configs (see README.md).
_base_ = [
    '../baselines/resnet18_1xb64-100e_ucm-224px.py',
    '../_base_/models/ensemble-resnet50-deit-s16_ucm.py',
    '../_base_/models/distiller-hmkd-fusion.py',
]

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    # None: batch raw images like the student's preprocessor; the student
    # and each teacher member then normalise them their own way.
    data_preprocessor=None,
    architecture=dict(
        _base_.model,
        _scope_='mmpretrain',
        data_preprocessor=_base_.data_preprocessor),
    teacher=_base_.teacher,
    distiller=_base_.distiller)

custom_hooks = [dict(type='RSKDStudentCheckpointHook', interval=5)]
