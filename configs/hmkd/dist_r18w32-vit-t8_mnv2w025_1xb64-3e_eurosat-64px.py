# HMKD-Net, reading (g): correlation-based KD (DIST, Huang et al., NeurIPS
# 2022) at CPU size on EuroSAT. mmrazor's DISTLoss matches the Pearson
# correlation of the student's and the hybrid teacher's tau-softmax outputs,
# per sample across classes (inter-class) and per class across the batch
# (intra-class), instead of their values: each prediction is centred and
# divided by its standard deviation, so the loss ignores the scale and shift
# (the variance) of the teacher's outputs and keeps their relations.
_base_ = [
    './hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py',
    '../_base_/models/kd-losses-fusion.py'
]

model = dict(
    distiller=dict(
        distill_losses=_base_.dist_losses,
        loss_forward_mappings=_base_.dist_mappings))
