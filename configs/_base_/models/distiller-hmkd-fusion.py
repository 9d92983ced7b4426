# The default HMKD-Net distiller: the student's logits (head.fc) against the
# hybrid ensemble teacher's fused output (`fusion`) with the tau^2-scaled KL
# divergence at tau 4 (mmrazor's KLDivergence). Online, the teacher's output
# on the current view is a one-draw estimate of its prediction over the
# augmentations; the cached configs (`../fastkd/fastkd-hmkd_*`) use the mean
# over K cached draws instead (variance-reduced targets). Chosen on
# validation accuracy over the readings of configs/hmkd/README.md; the
# logit-standardised loss is `distiller-lskd-fusion.py` (reading (a)).
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='fusion')),
    distill_losses=dict(
        loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))
