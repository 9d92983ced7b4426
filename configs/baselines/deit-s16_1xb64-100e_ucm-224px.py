# ViT-S/16 (DeiT-small, ImageNet-pretrained) fine-tuned on UC Merced: the
# vision-transformer member of the HMKD-Net ensemble teacher.
_base_ = [
    '../_base_/datasets/ucm-224px.py',
    '../_base_/schedules/adamw-cosine_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        init_cfg=dict(
            type='Pretrained',
            # or a local file: checkpoint='checkpoints/deit-small_in1k.pth'
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'deit/deit-small_pt-4xb256_in1k_20220218-9425b9bb.pth',
            prefix='backbone')),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=21,
        in_channels=384,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)))
