# Plain (Hinton) KD at demo size: the same ResNet-18-w32 + tiny ViT ensemble
# teacher, student and schedule as the HMKD demo config, with mmrazor's
# KLDivergence (tau 4) on the fused output; the demo's comparison row.
_base_ = ['./hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py']

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
