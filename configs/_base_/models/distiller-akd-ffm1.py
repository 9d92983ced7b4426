# The EDP-CTNet distiller: AKD on the fused stage-1 features
# (backbone.ffm.1) of student and teacher, with a `logits` recorder on both
# heads ready for CWD (the -cwd / -akd-cwd configs add or swap the loss).
# Defined as `distiller` so the EDP-CTNet configs share it; they set the
# AKD pooling grid for their resolution.
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        fused=dict(type='ModuleOutputs', source='backbone.ffm.1'),
        logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
    teacher_recorders=dict(
        fused=dict(type='ModuleOutputs', source='backbone.ffm.1'),
        logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
    distill_losses=dict(
        loss_akd=dict(
            type='RSKDAngleKD', loss_weight=50.0, pool_size=(16, 16))),
    loss_forward_mappings=dict(
        loss_akd=dict(
            preds_S=dict(from_student=True, recorder='fused'),
            preds_T=dict(from_student=False, recorder='fused'))))
