# HMKD-Net on UC Merced: the hybrid ResNet-50 + ViT-S/16 ensemble teacher
# distils a ResNet-18 student with the variance-normalised (logit-
# standardised) KD loss plus the student's own cross-entropy.
# Train the two members first with their baseline configs (see README.md).
_base_ = [
    '../baselines/resnet18_1xb64-100e_ucm-224px.py',
    '../_base_/models/ensemble_resnet50-deit-s16_ucm.py',
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
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='fusion')),
        distill_losses=dict(
            loss_lskd=dict(type='RSKDLogitStandardKD', tau=2.0,
                           loss_weight=2.0)),
        loss_forward_mappings=dict(
            loss_lskd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

custom_hooks = [dict(type='RSKDStudentCheckpointHook', interval=5)]
