# The HMKD-Net distiller: the student's logits (head.fc) against the ensemble
# teacher's fused output (`fusion`), with the variance-normalised KD loss.
# Defined as `distiller` so that HMKD configs combine it with their student
# config and teacher fragment.
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='fusion')),
    distill_losses=dict(
        loss_lskd=dict(type='RSKDLogitStandardKD', tau=2.0, loss_weight=2.0)),
    loss_forward_mappings=dict(
        loss_lskd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))
