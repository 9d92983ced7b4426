# HMKD-Net, reading (h): plain KD plus DIST's correlation terms at CPU size on
# EuroSAT. mmrazor's KLDivergence (tau 4) matches the hybrid teacher's
# tempered probabilities; mmrazor's DISTLoss (tau 4) adds the Pearson
# correlation of student and teacher per sample across classes (inter-class)
# and per class across the batch (intra-class), terms invariant to the scale
# and shift (the variance) of each prediction. The KL term keeps the
# absolute confidence that correlation alone discards. Today this is the
# default (hmkd_...); this name pins the reading if the default changes.
_base_ = [
    './hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py',
    '../_base_/models/kd-losses-fusion.py'
]

model = dict(
    distiller=dict(
        distill_losses=_base_.kl_dist_losses,
        loss_forward_mappings=_base_.kl_dist_mappings))
