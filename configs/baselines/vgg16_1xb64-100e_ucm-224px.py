# VGG16 (ImageNet-pretrained) fine-tuned on UC Merced: the land-use KD
# teacher.
_base_ = [
    'mmpretrain::_base_/models/vgg16.py',
    '../_base_/datasets/ucm-224px.py',
    '../_base_/schedules/sgd-cosine_100e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        num_classes=21,
        init_cfg=dict(
            type='Pretrained',
            # or a local file: checkpoint='checkpoints/vgg16_in1k.pth'
            # (the 1000-class last layer is skipped with a warning)
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'vgg/vgg16_batch256_imagenet_20210208-db26f1a5.pth',
            prefix='backbone')),
    head=dict(topk=(1, 5)))
optim_wrapper = dict(optimizer=dict(lr=0.001))
