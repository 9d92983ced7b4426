# Land-use KD's loss at CPU size on EuroSAT: hard labels plus the KL + cosine
# soft loss (RSKDKLCosineKD), with the same ensemble teacher, student and
# schedule as the EuroSAT HMKD config so that the losses compare directly
# (the paper's VGG16 -> MobileNetV2 setting is lukd_vgg16_mobilenetv2_...).
_base_ = ['../hmkd/hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_soft=dict(
                type='RSKDKLCosineKD',
                tau=4.0,
                kl_weight=1.0,
                cos_weight=1.0,
                cosine_input='probs',
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_soft=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
