# The default HMKD-Net distiller, reading (h) of configs/hmkd/README.md: the
# student's logits (head.fc) against the hybrid ensemble teacher's fused
# output (`fusion`) with
#   * the tau^2-scaled KL divergence at tau 4 (mmrazor's KLDivergence), which
#     keeps the teacher's absolute confidence, plus
#   * DIST's two Pearson-correlation terms at tau 4, weights 1 (mmrazor's
#     DISTLoss; Huang et al., NeurIPS 2022): per sample across classes and
#     per class across the batch, terms invariant to the scale and shift (the
#     variance) of each prediction.
# Online, the teacher's output on the current view is a one-draw estimate of
# its prediction over the augmentations; the cached configs
# (`../fastkd/fastkd-hmkd_*`) use the mean over K cached draws instead
# (variance-reduced targets). Chosen on validation accuracy over the readings
# of configs/hmkd/README.md (the best val mean at 5 paired seeds); plain KD
# alone is the `kd_*` configs, logit standardisation (reading (a))
# `distiller-lskd-fusion.py`. `kd-losses-fusion.py` holds the same pair as
# `kl_dist_losses` for configs that swap it in over another loss.
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc')),
    teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='fusion')),
    distill_losses=dict(
        loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0),
        loss_dist=dict(
            type='DISTLoss',
            inter_loss_weight=1.0,
            intra_loss_weight=1.0,
            tau=4.0,
            loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_kl=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits')),
        loss_dist=dict(
            logits_S=dict(from_student=True, recorder='logits'),
            logits_T=dict(from_student=False, recorder='logits'))))
