# The HMKD-Net hybrid teacher on UC Merced: ResNet-50 (CNN) + ViT-S/16
# (DeiT-small), each fine-tuned by its own baseline config, fused by averaging
# probabilities. Defined as `teacher` (not `model`) so that distillation
# configs can inherit it next to their student config.
resnet50_ckpt = 'work_dirs/resnet50_1xb64-100e_ucm-224px/epoch_100.pth'
vit_ckpt = 'work_dirs/deit-s16_1xb64-100e_ucm-224px/epoch_100.pth'
imagenet_norm = dict(
    type='ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

teacher = dict(
    _scope_='mmpretrain',
    type='RSKDEnsembleTeacher',
    fusion='prob',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=21),
    members=[
        dict(
            name='cnn',
            weight=1.0,
            checkpoint=resnet50_ckpt,
            model=dict(
                type='ImageClassifier',
                data_preprocessor=imagenet_norm,
                backbone=dict(
                    type='ResNet',
                    depth=50,
                    num_stages=4,
                    out_indices=(3, ),
                    style='pytorch'),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead',
                    num_classes=21,
                    in_channels=2048,
                    loss=dict(type='CrossEntropyLoss')))),
        dict(
            name='vit',
            weight=1.0,
            checkpoint=vit_ckpt,
            model=dict(
                type='ImageClassifier',
                data_preprocessor=imagenet_norm,
                backbone=dict(
                    type='VisionTransformer',
                    arch='deit-small',
                    img_size=224,
                    patch_size=16),
                neck=None,
                head=dict(
                    type='VisionTransformerClsHead',
                    num_classes=21,
                    in_channels=384,
                    loss=dict(type='CrossEntropyLoss')))),
    ])
