# EDP-CTNet on Vaihingen distilled from DP-CTNet-B with AKD (fused
# features) and CWD (logits) together.
_base_ = ['./akd_dpctnet-b_edpctnet-b_4xb4-40k_vaihingen-512px.py']
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_cwd=dict(
                type='ChannelWiseDivergence', tau=1, loss_weight=3.0)),
        loss_forward_mappings=dict(
            loss_cwd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
