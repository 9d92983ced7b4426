# The demo's distillation: the ResNet-18-w32 teacher (trained by
# resnet18-w32_1xb32-30e_demo-scene-64px.py) distils the MobileNetV2-w0.25
# student with Hinton KD (mmrazor's KLDivergence on the logits) plus the
# student's own cross-entropy, on the student's schedule:
#   python tools/train.py THIS_CONFIG \
#       --cfg-options model.teacher_ckpt=work_dirs/.../epoch_30.pth
_base_ = ['./mobilenetv2-w025_1xb32-30e_demo-scene-64px.py']

teacher_ckpt = 'work_dirs/demo/teacher/epoch_30.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    data_preprocessor=None,
    architecture=dict(
        _base_.model,
        _scope_='mmpretrain',
        data_preprocessor=_base_.data_preprocessor),
    teacher=dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True),
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=32,
            base_channels=32,
            out_indices=(3, ),
            style='pytorch'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=8,
            in_channels=256,
            loss=dict(type='CrossEntropyLoss'))),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

custom_hooks = [dict(type='RSKDStudentCheckpointHook')]
