# Copyright (c) rskd_mm contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS as CLS_MODELS
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import rskd_mm  # noqa: F401
from rskd_mm.models import RSKDSingleTeacherDistill
from rskd_mm.models.utils import CheckpointMismatchError
from ._tiny import CNN_NORM, tiny_cnn, tiny_vit


def distiller(teacher_source='head.layers.head'):
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source=teacher_source)),
        distill_losses=dict(
            loss_lskd=dict(type='RSKDLogitStandardKD', tau=2.0)),
        loss_forward_mappings=dict(
            loss_lskd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'))))


def build(teacher_ckpt=None, teacher=None, **kwargs):
    cfg = dict(
        type='RSKDSingleTeacherDistill',
        architecture=dict(tiny_cnn(), _scope_='mmpretrain'),
        teacher=teacher or dict(tiny_vit(), _scope_='mmpretrain'),
        teacher_ckpt=teacher_ckpt,
        distiller=distiller())
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(n=4):
    torch.manual_seed(0)
    raw = torch.randint(0, 256, (n, 3, 32, 32)).float()
    return raw, [DataSample().set_gt_label(i % 4) for i in range(n)]


def test_default_preprocessor_batches_raw_pixels():
    algo = build()
    assert isinstance(algo, RSKDSingleTeacherDistill)
    dp = algo.data_preprocessor
    assert not dp._enable_normalize and not dp.to_rgb
    raw, samples = batch()
    out = dp(dict(inputs=list(raw.to(torch.uint8)), data_samples=samples))
    torch.testing.assert_close(out['inputs'], raw)


def test_each_model_gets_its_own_normalisation():
    algo = build()
    algo.train()
    raw, samples = batch()
    seen = {}
    algo.student.backbone.conv1.register_forward_pre_hook(
        lambda m, a: seen.__setitem__('student', a[0].detach().clone()))
    algo.teacher.backbone.patch_embed.register_forward_pre_hook(
        lambda m, a: seen.__setitem__('teacher', a[0].detach().clone()))
    algo(raw, samples, mode='loss')
    rgb = raw.flip(1)
    mean = torch.tensor(CNN_NORM['mean']).view(1, 3, 1, 1)
    std = torch.tensor(CNN_NORM['std']).view(1, 3, 1, 1)
    torch.testing.assert_close(seen['student'], (rgb - mean) / std)
    torch.testing.assert_close(seen['teacher'], (rgb - 127.5) / 127.5)


def test_teacher_stays_in_full_eval_and_gets_no_gradient():
    algo = build()
    algo.train()
    assert algo.student.training
    assert not any(m.training for m in algo.teacher.modules())
    raw, samples = batch()
    # dropout / drop-path off: two teacher passes agree exactly
    with torch.no_grad():
        x = algo.teacher_inputs(raw)
        a = algo.teacher(x, mode='tensor')
        b = algo.teacher(x, mode='tensor')
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    losses = algo(raw, samples, mode='loss')
    assert set(losses) == {'student.loss', 'distill.loss_lskd'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algo.teacher.parameters())
    assert all(not p.requires_grad for p in algo.teacher.parameters())
    assert algo.student.head.fc.weight.grad.abs().sum() > 0


def test_train_step_changes_the_student_only():
    algo = build()
    teacher_before = copy.deepcopy(algo.teacher.state_dict())
    optim = OptimWrapper(
        torch.optim.SGD([p for p in algo.parameters() if p.requires_grad],
                        lr=0.1))
    raw, samples = batch()
    algo.train()
    algo.train_step(
        dict(inputs=list(raw.to(torch.uint8)), data_samples=samples), optim)
    for k, v in algo.teacher.state_dict().items():
        torch.testing.assert_close(v, teacher_before[k], msg=k)


def test_frozen_teacher_stays_out_of_ddp(tmp_path):
    """mmengine's MMDistributedDataParallel (what the Runner wraps the
    algorithm in) synchronises the student only: no teacher parameter or
    buffer is broadcast, synced or reduced."""
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    algo = build()
    teacher = {f'teacher.{n}' for n, _ in algo.teacher.named_parameters()}
    teacher |= {f'teacher.{n}' for n, _ in algo.teacher.named_buffers()}
    assert teacher and set(algo._ddp_params_and_buffers_to_ignore) == teacher
    dist.init_process_group(
        'gloo', init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        ddp = MMDistributedDataParallel(module=algo)
        synced = {id(p) for p in ddp._module_parameters}
        assert not synced & {id(p) for p in algo.teacher.parameters()}
        assert {id(p) for p in algo.student.parameters()} <= synced
        # the trainable-algorithm case keeps the teacher in DDP
        trainable = build(teacher_trainable=True)
        assert not hasattr(trainable, '_ddp_params_and_buffers_to_ignore')
    finally:
        dist.destroy_process_group()


def test_teacher_checkpoint_is_strict_and_survives_init_weights(tmp_path):
    torch.manual_seed(3)
    teacher = CLS_MODELS.build(tiny_vit())
    path = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    algo = build(teacher_ckpt=path)
    algo.init_weights()
    for k, v in teacher.state_dict().items():
        torch.testing.assert_close(algo.teacher.state_dict()[k], v, msg=k)

    cnn_path = str(tmp_path / 'cnn.pth')
    torch.save(CLS_MODELS.build(tiny_cnn()).state_dict(), cnn_path)
    with pytest.raises(CheckpointMismatchError) as err:
        build(teacher_ckpt=cnn_path)
    msg = str(err.value)
    assert 'teacher' in msg and 'cnn.pth' in msg
    assert 'backbone.patch_embed.projection.weight' in msg
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build(teacher_ckpt=str(tmp_path / 'missing.pth'))


def test_predict_uses_the_student():
    algo = build().eval()
    raw, samples = batch()
    with torch.no_grad():
        preds = algo(raw, copy.deepcopy(samples), mode='predict')
        direct = algo.student(
            algo.student_inputs(raw), copy.deepcopy(samples), mode='predict')
    for a, b in zip(preds, direct):
        torch.testing.assert_close(a.pred_score, b.pred_score)


def test_ensemble_teacher_through_fusion_recorder(tmp_path):
    teacher = dict(
        _scope_='mmpretrain',
        type='RSKDEnsembleTeacher',
        members=[
            dict(name='cnn', model=tiny_cnn(width=4)),
            dict(name='vit', model=tiny_vit())
        ])
    cfg = dict(
        type='RSKDSingleTeacherDistill',
        architecture=dict(tiny_cnn(), _scope_='mmpretrain'),
        teacher=teacher,
        distiller=distiller(teacher_source='fusion'))
    algo = MODELS.build(cfg)
    algo.train()
    raw, samples = batch()
    losses = algo(raw, samples, mode='loss')
    assert losses['distill.loss_lskd'] > 0
    assert not any(m.training for m in algo.teacher.modules())


def test_unknown_preprocessor_needs_explicit_config():
    from rskd_mm.models.algorithms import raw_preprocessor_cfg
    with pytest.raises(ValueError, match='data_preprocessor'):
        raw_preprocessor_cfg(dict(type='MyOwnPreprocessor'))
    cfg = raw_preprocessor_cfg(
        dict(
            type='SegDataPreProcessor',
            mean=[1, 2, 3],
            std=[1, 1, 1],
            bgr_to_rgb=True,
            size=(64, 64),
            seg_pad_val=255))
    assert cfg == dict(
        type='mmseg.SegDataPreProcessor', size=(64, 64), seg_pad_val=255)


def test_dkd_from_mmrazor_in_the_same_config():
    """DKD needs the labels: recorded from the student's loss module."""
    cfg = dict(
        type='RSKDSingleTeacherDistill',
        architecture=dict(tiny_cnn(), _scope_='mmpretrain'),
        teacher=dict(tiny_vit(), _scope_='mmpretrain'),
        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(
                logits=dict(type='ModuleOutputs', source='head.fc'),
                gt_labels=dict(type='ModuleInputs',
                               source='head.loss_module')),
            teacher_recorders=dict(
                logits=dict(type='ModuleOutputs', source='head.layers.head')),
            distill_losses=dict(
                loss_dkd=dict(type='DKDLoss', tau=4.0, beta=2.0)),
            loss_forward_mappings=dict(
                loss_dkd=dict(
                    preds_S=dict(from_student=True, recorder='logits'),
                    preds_T=dict(from_student=False, recorder='logits'),
                    gt_labels=dict(
                        recorder='gt_labels', from_student=True,
                        data_idx=1)))))
    algo = MODELS.build(cfg)
    algo.train()
    raw, samples = batch()
    losses = algo(raw, samples, mode='loss')
    assert torch.isfinite(losses['distill.loss_dkd'])
    sum(losses.values()).backward()
    assert algo.student.head.fc.weight.grad.abs().sum() > 0


def test_recorder_on_a_missing_module_is_named_with_close_matches():
    with pytest.raises(
            ValueError,
            match=r"teacher recorder 'logits' taps "
            r"'head.layer.head'.*close matches: \['head.layers."
            r"head'"):
        build(distiller=distiller(teacher_source='head.layer.head'))
    bad = distiller()
    bad['student_recorders']['logits']['source'] = 'head.fcc'
    with pytest.raises(
            ValueError,
            match=r"student recorder 'logits' taps "
            r"'head.fcc'.*\['head.fc'"):
        build(distiller=bad)


def test_class_count_mismatch_is_named():
    vit = dict(tiny_vit(), _scope_='mmpretrain')
    vit['head']['num_classes'] = 7
    model = build(teacher=vit)
    raw, samples = batch()
    with pytest.raises(ValueError, match='number of classes'):
        model(raw, samples, mode='loss')
