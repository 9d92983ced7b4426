# EDP-CTNet on Vaihingen distilled from DP-CTNet-B with AKD on the fused
# stage-1 features (pooled to 32x32 = 1024 vectors per image).
_base_ = ['./edpctnet-b_4xb4-40k_vaihingen-512px.py']

teacher_ckpt = 'work_dirs/dpctnet-b_4xb4-80k_vaihingen-512px/iter_80000.pth'
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
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fused=dict(type='ModuleOutputs', source='backbone.ffm.1'),
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        teacher_recorders=dict(
            fused=dict(type='ModuleOutputs', source='backbone.ffm.1'),
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_akd=dict(
                type='RSKDAngleKD', loss_weight=50.0, pool_size=(32, 32))),
        loss_forward_mappings=dict(
            loss_akd=dict(
                preds_S=dict(from_student=True, recorder='fused'),
                preds_T=dict(from_student=False, recorder='fused')))))
load_from = _base_.load_from
