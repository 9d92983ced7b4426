# ResNet-50 (ImageNet-pretrained) fine-tuned on UC Merced: the CNN member of
# the HMKD-Net ensemble teacher, and a baseline.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    '../_base_/datasets/ucm-224px.py',
    '../_base_/schedules/sgd-cosine_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            # or a local file: checkpoint='checkpoints/resnet50_in1k.pth'
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth',
            prefix='backbone')),
    head=dict(num_classes=21, topk=(1, 5)))
