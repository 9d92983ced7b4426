# Copyright (c) rskd_mm contributors. All rights reserved.
"""After ``import rskd_mm``, mmrazor's distillation and pruning work on CPU.

Each test builds the mmrazor component from a config dict with tiny
mmpretrain models and runs a real forward/backward step (or an optimizer
step through ``train_step``).
"""
import copy

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

# isort: off
# the compatibility layer must be applied before mmrazor's first import
import rskd_mm  # noqa: F401
from mmrazor.models import SingleTeacherDistill
from mmrazor.registry import MODELS
# isort: on


def tiny_classifier(depth=18, width=8, num_classes=4):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=depth,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss')))


def batch(n=4, size=32, num_classes=4):
    torch.manual_seed(0)
    inputs = torch.randn(n, 3, size, size)
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(n)]
    return inputs, samples


def distill_cfg():
    return dict(
        type='SingleTeacherDistill',
        architecture=tiny_classifier(width=8),
        teacher=tiny_classifier(width=16),
        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(
                fc=dict(type='ModuleOutputs', source='head.fc'),
                feat=dict(type='ModuleOutputs', source='backbone.layer4')),
            teacher_recorders=dict(
                fc=dict(type='ModuleOutputs', source='head.fc')),
            distill_losses=dict(
                loss_kl=dict(type='KLDivergence', tau=4, loss_weight=1)),
            loss_forward_mappings=dict(
                loss_kl=dict(
                    preds_S=dict(from_student=True, recorder='fc'),
                    preds_T=dict(from_student=False, recorder='fc')))))


def test_single_teacher_distill_forward_backward():
    algo = MODELS.build(distill_cfg())
    assert isinstance(algo, SingleTeacherDistill)
    algo.train()
    inputs, samples = batch()
    losses = algo(inputs, samples, mode='loss')
    assert {'student.loss', 'distill.loss_kl'} <= set(losses)
    assert losses['distill.loss_kl'] > 0
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    student_grads = [p.grad for p in algo.student.parameters()]
    assert all(g is not None for g in student_grads)
    assert any(g.abs().sum() > 0 for g in student_grads)
    # the teacher is frozen and receives no gradient
    assert all(not p.requires_grad for p in algo.teacher.parameters())
    assert all(p.grad is None for p in algo.teacher.parameters())
    # the student recorder captured the tapped feature map
    record = algo.distiller.student_recorders.get_recorder(
        'feat').get_record_data()
    assert record.shape == (4, 64, 1, 1)


def test_single_teacher_distill_train_step_updates_student_only():
    algo = MODELS.build(distill_cfg())
    teacher_before = copy.deepcopy(algo.teacher.state_dict())
    student_before = copy.deepcopy(algo.student.state_dict())
    optim = OptimWrapper(
        torch.optim.SGD([p for p in algo.parameters() if p.requires_grad],
                        lr=0.1))
    inputs, samples = batch()
    algo.train()
    log_vars = algo.train_step(
        dict(inputs=inputs, data_samples=samples), optim)
    assert 'distill.loss_kl' in log_vars
    for k, v in algo.teacher.state_dict().items():
        if v.dtype.is_floating_point:
            torch.testing.assert_close(v, teacher_before[k], msg=k)
    changed = [
        k for k, v in algo.student.state_dict().items()
        if v.dtype.is_floating_point and not torch.equal(v, student_before[k])
    ]
    assert changed


def test_ite_prune_algorithm_forward_backward_and_export():
    from mmrazor.models.mutators import ChannelMutator
    from mmrazor.structures import export_fix_subnet

    algo = MODELS.build(
        dict(
            type='ItePruneAlgorithm',
            architecture=tiny_classifier(),
            mutator_cfg=dict(
                type='ChannelMutator',
                channel_unit_cfg=dict(
                    type='L1MutableChannelUnit',
                    default_args=dict(choice_mode='ratio')),
                parse_cfg=dict(
                    type='ChannelAnalyzer',
                    demo_input=(1, 3, 32, 32),
                    tracer_type='FxTracer')),
            target_pruning_ratio=None))
    assert isinstance(algo.mutator, ChannelMutator)
    assert len(algo.mutator.mutable_units) > 0
    # what the runner's loops put in the message hub
    hub = MessageHub.get_current_instance()
    for key, value in dict(
            epoch=0, iter=0, max_epochs=1, max_iters=10).items():
        hub.update_info(key, value)
    inputs, samples = batch()
    algo.train()
    losses = algo(inputs, samples, mode='loss')
    losses['loss'].backward()
    assert algo.architecture.head.fc.weight.grad is not None

    n_before = sum(p.numel() for p in algo.architecture.parameters())
    choices = {k: 0.5 for k in algo.mutator.current_choices}
    algo.mutator.set_choices(choices)
    static_model = copy.deepcopy(algo.architecture)
    algo.eval()
    _, sliced = export_fix_subnet(algo, slice_weight=True)
    assert sliced is not None
    n_after = sum(p.numel() for p in sliced.architecture.parameters())
    assert n_after < 0.5 * n_before
    out = sliced.architecture(inputs, mode='tensor')
    assert out.shape == (4, 4)
    del static_model


def test_group_fisher_algorithm_train_step():
    MessageHub.get_current_instance().update_info('iter', 1)
    algo = MODELS.build(
        dict(
            type='GroupFisherAlgorithm',
            architecture=tiny_classifier(),
            interval=1,
            mutator=dict(
                type='GroupFisherChannelMutator',
                parse_cfg=dict(
                    type='ChannelAnalyzer',
                    demo_input=(1, 3, 32, 32),
                    tracer_type='FxTracer'),
                channel_unit_cfg=dict(type='GroupFisherChannelUnit'))))
    optim = OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.01))
    inputs, samples = batch()
    algo.train()
    before = sum(unit.mutable_channel.activated_channels
                 for unit in algo.mutator.mutable_units)
    log_vars = algo.train_step(
        dict(inputs=inputs, data_samples=samples), optim)
    assert 'loss' in log_vars
    after = sum(unit.mutable_channel.activated_channels
                for unit in algo.mutator.mutable_units)
    # one channel is pruned at every interval
    assert after == before - 1
