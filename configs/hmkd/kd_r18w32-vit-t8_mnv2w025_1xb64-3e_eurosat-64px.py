# Plain (Hinton) KD at CPU size on EuroSAT: the same ensemble teacher,
# student and schedule as the EuroSAT HMKD config, with mmrazor's
# KLDivergence (tau 4) on the fused output instead of the variance-normalised
# loss; the comparison row for HMKD's loss in docs/results.md.
_base_ = ['./hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
