# Land-use KD's loss at CPU size on EuroSAT: hard labels plus the KL + cosine
# soft loss (RSKDKLCosineKD), with the same ensemble teacher, student and
# schedule as the EuroSAT HMKD config so that the losses compare directly
# (the paper's VGG16 -> MobileNetV2 setting is lukd_vgg16_mobilenetv2_...).
# The loss is kd-losses-fusion.py's kl_cos, shared with the cached form
# (../fastkd/fastkd-kl-cos_...).
_base_ = [
    '../hmkd/hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py',
    '../_base_/models/kd-losses-fusion.py'
]

model = dict(
    distiller=dict(
        distill_losses=_base_.kl_cos_losses,
        loss_forward_mappings=_base_.kl_cos_mappings))
