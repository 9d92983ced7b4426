# ResNet-18 (ImageNet-pretrained) fine-tuned on UC Merced: the HMKD-Net
# student trained alone (the "no KD" baseline).
_base_ = [
    'mmpretrain::_base_/models/resnet18.py',
    '../_base_/datasets/ucm-224px.py',
    '../_base_/schedules/sgd-cosine_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            # or a local file: checkpoint='checkpoints/resnet18_in1k.pth'
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth',
            prefix='backbone')),
    head=dict(num_classes=21, topk=(1, 5)))
