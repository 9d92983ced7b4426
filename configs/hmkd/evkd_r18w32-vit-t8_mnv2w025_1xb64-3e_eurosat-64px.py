# HMKD-Net, reading (b): ensemble-variance-aware KD on EuroSAT at CPU size.
# Plain KD (KL, tau 4) whose per-sample weight is set by the disagreement of
# the CNN and ViT members (RSKDEnsembleVarianceKD, alpha=1: weight 1 - d,
# normalised to mean 1 over the batch). Online only: the cache holds the
# fused output, not the members'.
_base_ = ['./hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    distiller=dict(
        teacher_recorders=dict(
            cnn=dict(type='ModuleOutputs', source='members.cnn'),
            vit=dict(type='ModuleOutputs', source='members.vit')),
        distill_losses=dict(
            _delete_=True,
            loss_evkd=dict(
                type='RSKDEnsembleVarianceKD',
                tau=4.0,
                alpha=1.0,
                beta=0.0,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_evkd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                member_a=dict(from_student=False, recorder='cnn'),
                member_b=dict(from_student=False, recorder='vit')))))
