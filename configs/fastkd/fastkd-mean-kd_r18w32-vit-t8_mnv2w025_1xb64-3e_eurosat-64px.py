# HMKD-Net, reading (c): variance-reduced targets on EuroSAT at CPU size.
# The teacher runs once per image and draw (K=4,
# tools/cache_teacher_outputs.py);
# the student is trained with plain KD (KL, tau 4) towards the teacher's
# prediction averaged over the K draws (target='mean'), on fresh random
# views (not replayed draws), so its augmentation is as diverse as online.
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = ['./fastkd-lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

train_dataloader = dict(dataset=dict(target='mean'))

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
