# Comparison for HMKD-Net: the same ensemble teacher, student and schedule,
# with DKD (mmrazor's DKDLoss, decoupled target/non-target KD) instead of the
# variance-normalised loss.
_base_ = ['./hmkd_resnet50-deit-s16_resnet18_1xb64-100e_ucm-224px.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            # the labels, as the student's loss module receives them
            gt_labels=dict(type='ModuleInputs', source='head.loss_module')),
        distill_losses=dict(
            _delete_=True,
            loss_dkd=dict(type='DKDLoss', tau=4.0, beta=2.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dkd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                gt_labels=dict(
                    recorder='gt_labels', from_student=True, data_idx=1)))))
