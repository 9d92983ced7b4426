# EDP-CTNet (tiny) fine-tuned with mmrazor's channel-wise divergence (CWD,
# tau 1, weight 3 as in mmrazor's CWD configs) on the segmentation logits of
# the DP-CTNet teacher, instead of AKD.
_base_ = ['./akd_dpctnet-t_edpctnet-t_1xb4-1k_demo-seg-128px.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_cwd=dict(
                type='ChannelWiseDivergence', tau=1, loss_weight=3.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_cwd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
