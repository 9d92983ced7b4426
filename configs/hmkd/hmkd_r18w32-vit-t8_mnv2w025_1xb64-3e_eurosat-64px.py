# HMKD-Net at CPU size on EuroSAT (64 px, 3 epochs): the ResNet-18-w32 +
# tiny ViT ensemble (members trained by their EuroSAT baseline configs)
# distils a MobileNetV2-w0.25 with the variance-normalised KD loss.
_base_ = [
    '../baselines/mobilenetv2-w025_1xb64-3e_eurosat-64px.py',
    '../_base_/models/ensemble_r18w32-vit-t8_eurosat.py',
]

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
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

custom_hooks = [dict(type='RSKDStudentCheckpointHook')]
