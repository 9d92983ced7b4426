# HMKD-Net reading (a), logit standardisation, on UC Merced: the hybrid
# ResNet-50 + ViT-S/16 ensemble teacher
# distils a ResNet-18 student with the variance-normalised (logit-
# standardised) KD loss plus the student's own cross-entropy.
# Train the two members first with their baseline configs (see README.md).
# The HMKD config of the same setting with the loss of
# ../_base_/models/distiller-lskd-fusion.py.
_base_ = ['./hmkd_resnet50-deit-s16_resnet18_1xb64-100e_ucm-224px.py']

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
