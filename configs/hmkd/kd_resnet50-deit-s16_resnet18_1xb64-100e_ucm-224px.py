# Comparison for HMKD-Net: the same ensemble teacher, student and schedule,
# with plain Hinton KD (mmrazor's KLDivergence, tau=4) instead of the
# variance-normalised loss.
_base_ = ['./hmkd_resnet50-deit-s16_resnet18_1xb64-100e_ucm-224px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
