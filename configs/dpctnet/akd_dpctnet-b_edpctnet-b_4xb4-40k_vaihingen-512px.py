# EDP-CTNet on Vaihingen distilled from DP-CTNet-B with AKD on the fused
# stage-1 features (pooled to 32x32 = 1024 vectors per image).
_base_ = [
    './edpctnet-b_4xb4-40k_vaihingen-512px.py',
    '../_base_/models/distiller-akd-ffm1.py',
]

teacher_ckpt = 'work_dirs/dpctnet-b_4xb4-80k_vaihingen-512px/iter_80000.pth'
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='RSKDSingleTeacherDistill',
    data_preprocessor=dict(
        _base_.data_preprocessor, type='mmseg.SegDataPreProcessor'),
    normalize_per_model=False,
    architecture=_base_.model,
    teacher=_base_.dpctnet,
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        _base_.distiller,
        distill_losses=dict(
            _base_.distiller.distill_losses,
            loss_akd=dict(
                _base_.distiller.distill_losses.loss_akd,
                pool_size=(32, 32)))))
load_from = _base_.load_from
