# KD losses on the student's logits (recorder `logits`, head.fc) against the
# hybrid teacher's fused output (recorder `logits`, `fusion`), one pair of
# `<name>_losses` / `<name>_mappings` per loss, to drop into a distiller:
#   distill_losses=_base_.kl_dist_losses,
#   loss_forward_mappings=_base_.kl_dist_mappings
# Online (hmkd/...) and cached (fastkd/...) configs of one loss share it.
_student = dict(from_student=True, recorder='logits')
_teacher = dict(from_student=False, recorder='logits')

# KL divergence at tau 4 plus the cosine of the tempered probabilities
# (land-use KD's soft loss, RSKDKLCosineKD)
kl_cos_losses = dict(
    _delete_=True,
    loss_soft=dict(
        type='RSKDKLCosineKD',
        tau=4.0,
        kl_weight=1.0,
        cos_weight=1.0,
        cosine_input='probs',
        loss_weight=1.0))
kl_cos_mappings = dict(
    _delete_=True, loss_soft=dict(preds_S=_student, preds_T=_teacher))

# DIST (Huang et al., NeurIPS 2022, mmrazor's DISTLoss): Pearson correlation
# of the tau-softmax outputs per sample (inter-class) and per class across
# the batch (intra-class); tau 4 and weights 2, DIST's CIFAR setting
dist_losses = dict(
    _delete_=True,
    loss_dist=dict(
        type='DISTLoss',
        inter_loss_weight=2.0,
        intra_loss_weight=2.0,
        tau=4.0,
        loss_weight=1.0))
dist_mappings = dict(
    _delete_=True, loss_dist=dict(logits_S=_student, logits_T=_teacher))

# KL divergence at tau 4 plus DIST's two correlation terms (weights 1)
kl_dist_losses = dict(
    _delete_=True,
    loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0),
    loss_dist=dict(
        type='DISTLoss',
        inter_loss_weight=1.0,
        intra_loss_weight=1.0,
        tau=4.0,
        loss_weight=1.0))
kl_dist_mappings = dict(
    _delete_=True,
    loss_kl=dict(preds_S=_student, preds_T=_teacher),
    loss_dist=dict(logits_S=_student, logits_T=_teacher))
