# Hinton KD with mmrazor: the ResNet-18-w32 teacher (trained by
# resnet18-w32_1xb32-30e_demo-scene-64px.py) distils the MobileNetV2-w0.25
# student with the student's own schedule.
#   python tools/train.py THIS_CONFIG \
#       --cfg-options model.teacher_ckpt=work_dirs/.../epoch_30.pth
_base_ = ['./mobilenetv2-w025_1xb32-30e_demo-scene-64px.py']

# The teacher's architecture: the same fragment its own config uses.
teacher = _base_.model.copy()
teacher.update(
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=32,
        base_channels=32,
        out_indices=(3, ),
        style='pytorch'),
    head=dict(_base_.model.head, in_channels=256))

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=_base_.data_preprocessor.mean,
        std=_base_.data_preprocessor.std,
        bgr_to_rgb=True),
    architecture=dict(_base_.model, _scope_='mmpretrain'),
    teacher=dict(teacher, _scope_='mmpretrain'),
    teacher_ckpt=None,  # set on the command line, see above
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=4, loss_weight=3)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))

find_unused_parameters = True
