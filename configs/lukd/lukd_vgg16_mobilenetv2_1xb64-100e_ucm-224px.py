# Land-use KD on UC Merced: a VGG16 teacher (fine-tuned by
# ../baselines/vgg16_1xb64-100e_ucm-224px.py) distils a MobileNetV2 student
# with the hard-label cross-entropy (the student's own loss) plus a soft loss
# that combines KL divergence and cosine similarity (RSKDKLCosineKD).
_base_ = ['../baselines/mobilenetv2_1xb64-100e_ucm-224px.py']

teacher_ckpt = 'work_dirs/vgg16_1xb64-100e_ucm-224px/epoch_100.pth'

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    data_preprocessor=None,  # raw batch; each model normalises its own way
    architecture=dict(
        _base_.model,
        _scope_='mmpretrain',
        data_preprocessor=_base_.data_preprocessor),
    teacher=dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True),
        backbone=dict(type='VGG', depth=16, num_classes=21),
        neck=None,
        head=dict(type='ClsHead', loss=dict(type='CrossEntropyLoss'))),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='backbone.classifier.6')),
        distill_losses=dict(
            loss_soft=dict(
                type='RSKDKLCosineKD',
                tau=4.0,
                kl_weight=1.0,
                cos_weight=1.0,
                cosine_input='probs',
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_soft=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

custom_hooks = [dict(type='RSKDStudentCheckpointHook', interval=5)]
