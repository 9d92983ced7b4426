# A CPU-sized hybrid teacher for 64-px scenes: the ResNet-18-w32 (CNN) and
# the tiny ViT, each trained by its own config, fused by averaging
# probabilities. Defined as `teacher` so that distillation configs can
# inherit it next to their student config. The data-set fragments
# (`ensemble-r18w32-vit-t8_{data}.py`) derive it with their class count and
# the members' checkpoints.

teacher = dict(
    _scope_='mmpretrain',
    type='RSKDEnsembleTeacher',
    fusion='prob',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=10),
    members=[
        dict(
            name='cnn',
            checkpoint=None,
            model=dict(
                type='ImageClassifier',
                data_preprocessor=dict(
                    type='ClsDataPreprocessor',
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    to_rgb=True),
                backbone=dict(
                    type='ResNet',
                    depth=18,
                    stem_channels=32,
                    base_channels=32,
                    out_indices=(3, ),
                    style='pytorch'),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead',
                    num_classes=10,
                    in_channels=256,
                    loss=dict(type='CrossEntropyLoss')))),
        dict(
            name='vit',
            checkpoint=None,
            model=dict(
                type='ImageClassifier',
                data_preprocessor=dict(
                    type='ClsDataPreprocessor',
                    mean=[127.5, 127.5, 127.5],
                    std=[127.5, 127.5, 127.5],
                    to_rgb=True),
                backbone=dict(
                    type='VisionTransformer',
                    arch=dict(
                        embed_dims=64,
                        num_layers=4,
                        num_heads=4,
                        feedforward_channels=128),
                    img_size=64,
                    patch_size=8,
                    drop_path_rate=0.1),
                neck=None,
                head=dict(
                    type='VisionTransformerClsHead',
                    num_classes=10,
                    in_channels=64,
                    loss=dict(type='CrossEntropyLoss')))),
    ])
