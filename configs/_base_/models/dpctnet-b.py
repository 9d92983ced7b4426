# DP-CTNet, base (about 18 M parameters): a ResNet-18-like CNN path of width
# 64-512, a 4-block transformer path of width 256 on 16x16 patches, FRM + FFM
# at every stage, the DPCTHead and an FCN auxiliary head on stage 3. Inputs
# must be multiples of 32 (the dataset fragments pad to that).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='DPCTNet',
        stem_channels=64,
        cnn_channels=(64, 128, 256, 512),
        cnn_depths=(2, 2, 2, 2),
        embed_dims=256,
        depth=4,
        num_heads=8,
        mlp_ratio=4,
        patch_size=32,
        img_size=512,
        fuse_stages=(0, 1, 2, 3),
        trans_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='DPCTHead',
        in_channels=[64, 128, 256, 512],
        in_index=[0, 1, 2, 3],
        scale_factors=(1, 2, 4, 8),
        channels=256,
        dropout_ratio=0.1,
        num_classes=6,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=128,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=6,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
