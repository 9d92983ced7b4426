# Land-use KD at demo size on the synthetic scene set: the demo's
# ResNet-18-w32 teacher distils MobileNetV2-w0.25 with the hard cross-entropy
# plus the KL + cosine soft loss (RSKDKLCosineKD). Same teacher, student and
# schedule as the demo's Hinton KD config, so the two compare directly.
_base_ = [
    '../demo/kd_resnet18-w32_mobilenetv2-w025_1xb32-30e_demo-scene-64px.py'
]

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_soft=dict(
                type='RSKDKLCosineKD',
                tau=4.0,
                kl_weight=1.0,
                cos_weight=1.0,
                cosine_input='probs',
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_soft=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
