# HMKD-Net, reading (f): the variance of the teacher's confidence. In plain
# KD the non-target classes' share of the loss is scaled by (1 - p_t), the
# teacher's doubt on the true class, which varies from sample to sample:
# easy images (most of a sparse remote-sensing set) hand over almost no
# dark knowledge. DKD (Zhao et al., CVPR 2022, mmrazor's DKDLoss) decouples
# the target-class term (TCKD, weight alpha) from the renormalised
# non-target distribution (NCKD, weight beta), removing that factor. The
# same ensemble teacher, student and schedule as the EuroSAT HMKD config.
_base_ = ['./hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            # the labels, as the student's loss module receives them
            gt_labels=dict(type='ModuleInputs', source='head.loss_module')),
        distill_losses=dict(
            _delete_=True,
            loss_dkd=dict(
                type='DKDLoss', tau=4.0, alpha=1.0, beta=8.0,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dkd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                gt_labels=dict(
                    recorder='gt_labels', from_student=True, data_idx=1)))))
