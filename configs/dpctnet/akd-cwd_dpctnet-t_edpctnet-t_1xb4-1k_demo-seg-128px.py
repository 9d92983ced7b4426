# EDP-CTNet (tiny) fine-tuned with both: AKD on the fused features and CWD
# on the logits of the DP-CTNet teacher.
_base_ = ['./akd_dpctnet-t_edpctnet-t_1xb4-1k_demo-seg-128px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_cwd=dict(
                type='ChannelWiseDivergence', tau=1, loss_weight=3.0)),
        loss_forward_mappings=dict(
            loss_cwd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
