# DP-CTNet, tiny (about 1.2 M parameters): a 4-stage CNN path of width
# 16-128, a 4-block transformer path of width 64 on 8x8 patches, FRM + FFM
# at every stage, the DPCTHead. For the embedded 128 px set and tests; the
# data preprocessor comes from the dataset fragment (`data_preprocessor`).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='DPCTNet',
        stem_channels=16,
        cnn_channels=(16, 32, 64, 128),
        cnn_depths=(2, 2, 2, 2),
        embed_dims=64,
        depth=4,
        num_heads=4,
        mlp_ratio=4,
        patch_size=8,
        img_size=128,
        fuse_stages=(0, 1, 2, 3),
        trans_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='DPCTHead',
        in_channels=[16, 32, 64, 128],
        in_index=[0, 1, 2, 3],
        scale_factors=(1, 2, 4, 8),
        channels=64,
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
