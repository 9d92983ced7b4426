# HMKD-Net at demo size on the synthetic scene set: the ResNet-18-w32 + tiny
# ViT ensemble distils a MobileNetV2-w0.25 with HMKD's default loss (KL at
# tau 4 plus DIST's correlation terms on the fused output; see
# configs/hmkd/README.md). Same recipe as the
# UC Merced config, models small enough for a CPU.
_base_ = [
    '../demo/mobilenetv2-w025_1xb32-30e_demo-scene-64px.py',
    '../_base_/models/ensemble-r18w32-vit-t8_demo-scene.py',
    '../_base_/models/distiller-hmkd-fusion.py',
]

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    data_preprocessor=None,
    architecture=dict(
        _base_.model,
        _scope_='mmpretrain',
        data_preprocessor=_base_.data_preprocessor),
    teacher=_base_.teacher,
    distiller=_base_.distiller)

custom_hooks = [dict(type='RSKDStudentCheckpointHook')]
