# HMKD-Net, reading (e), cached: KD on mixed images from the teacher cache.
# The teacher runs once per image and draw (K=4,
# tools/cache_teacher_outputs.py; the same cache as the cached HMKD config).
# Each replayed view is mixed with another one of the batch (Mixup, lambda ~
# Beta(1, 1)); RSKDClsDataPreprocessor mixes the two cached teacher
# distributions with the same lambda (FKD's label mixing), and the student
# matches that mixture with plain KD (KL, tau 4) + soft cross-entropy.
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = ['./fastkd-lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    architecture=dict(
        data_preprocessor=dict(
            type='RSKDClsDataPreprocessor',
            batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)])),
        head=dict(loss=dict(type='CrossEntropyLoss', use_soft=True))),
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kl=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
