# The demo-sized hybrid teacher for the synthetic scene set (8 classes,
# 64 px): the demo's ResNet-18-w32 and the tiny ViT of
# configs/baselines/vit-t-p8_1xb32-30e_demo-scene-64px.py.
_base_ = ['./ensemble-r18w32-vit-t8.py']

teacher = dict(
    data_preprocessor=dict(num_classes=8),
    members=[
        dict(
            _base_.teacher.members[0],
            checkpoint='work_dirs/demo/teacher/epoch_30.pth',
            model=dict(
                _base_.teacher.members[0].model,
                head=dict(_base_.teacher.members[0].model.head,
                          num_classes=8))),
        dict(
            _base_.teacher.members[1],
            checkpoint='work_dirs/vit-t-p8_1xb32-30e_demo-scene-64px/'
            'epoch_30.pth',
            model=dict(
                _base_.teacher.members[1].model,
                head=dict(_base_.teacher.members[1].model.head,
                          num_classes=8))),
    ])
