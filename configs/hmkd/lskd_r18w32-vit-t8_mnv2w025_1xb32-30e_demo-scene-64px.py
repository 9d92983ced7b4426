# HMKD-Net reading (a), logit standardisation, at demo size on the synthetic
# scene set: the ResNet-18-w32 + tiny
# ViT ensemble distils a MobileNetV2-w0.25 with the variance-normalised KD
# loss. Same recipe as the UC Merced config, models small enough for a CPU.
# The HMKD config of the same setting with the loss of
# ../_base_/models/distiller-lskd-fusion.py.
_base_ = ['./hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_lskd=dict(
                type='RSKDLogitStandardKD', tau=2.0, loss_weight=2.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_lskd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
