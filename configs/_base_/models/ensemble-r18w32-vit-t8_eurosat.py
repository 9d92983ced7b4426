# The hybrid teacher for EuroSAT (10 classes, 64 px): members trained by
# configs/baselines/{resnet18-w32,vit-t-p8}_1xb64-3e_eurosat-64px.py.
_base_ = ['./ensemble-r18w32-vit-t8.py']

teacher = dict(members=[
    dict(
        _base_.teacher.members[0],
        checkpoint='work_dirs/resnet18-w32_1xb64-3e_eurosat-64px/epoch_3.pth'),
    dict(
        _base_.teacher.members[1],
        checkpoint='work_dirs/vit-t-p8_1xb64-3e_eurosat-64px/epoch_3.pth'),
])
