# MobileNetV2 (ImageNet-pretrained) fine-tuned on UC Merced: the land-use KD
# student trained alone (the "no KD" baseline).
_base_ = [
    'mmpretrain::_base_/models/mobilenet_v2_1x.py',
    '../_base_/datasets/ucm-224px.py',
    '../_base_/schedules/sgd-cosine_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            # or a local file: checkpoint='checkpoints/mobilenet_v2_in1k.pth'
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'mobilenet_v2/'
            'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth',
            prefix='backbone')),
    head=dict(num_classes=21, topk=(1, 5)))
