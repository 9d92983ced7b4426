# Copyright (c) rskd_mm contributors. All rights reserved.
"""RSKDStudentCheckpointHook on a stand-in runner (no training loop)."""
import logging
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from rskd_mm.compat.checkpoint import load_file
from rskd_mm.engine.hooks import RSKDStudentCheckpointHook


class Algorithm(nn.Module):
    """The shape of an mmrazor distillation algorithm's state dict."""

    def __init__(self):
        super().__init__()
        self.architecture = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
        self.teacher = nn.Linear(4, 3)


def runner_at(tmp_path,
              model,
              *,
              epoch=0,
              it=0,
              max_epochs=5,
              max_iters=50,
              rank=0):
    dataset = SimpleNamespace(metainfo=dict(classes=('a', 'b', 'c')))
    return SimpleNamespace(
        rank=rank,
        model=model,
        cfg=SimpleNamespace(filename='configs/demo/kd.py'),
        train_dataloader=SimpleNamespace(dataset=dataset),
        work_dir=str(tmp_path),
        logger=logging.getLogger('test_student_checkpoint_hook'),
        epoch=epoch,
        iter=it,
        max_epochs=max_epochs,
        max_iters=max_iters)


def test_epoch_checkpoints_hold_the_student_only(tmp_path):
    model = Algorithm()
    hook = RSKDStudentCheckpointHook(interval=2, max_keep_ckpts=2)
    for epoch in range(5):
        hook.after_train_epoch(
            runner_at(tmp_path, model, epoch=epoch, it=10 * (epoch + 1) - 1))
    # every 2nd epoch and the last one; the newest 2 are kept
    assert not osp.exists(tmp_path / 'student_epoch_2.pth')
    assert osp.exists(tmp_path / 'student_epoch_4.pth')
    assert osp.exists(tmp_path / 'student_epoch_5.pth')
    last = (tmp_path / 'student_last_checkpoint').read_text()
    assert last == str(tmp_path / 'student_epoch_5.pth')
    ckpt = load_file(last)
    assert ckpt['meta']['epoch'] == 5
    assert ckpt['meta']['iter'] == 50
    assert ckpt['meta']['dataset_meta'] == dict(classes=('a', 'b', 'c'))
    assert ckpt['meta']['distilled_from'] == 'configs/demo/kd.py'
    # plain student keys: the student's own config loads it strictly
    student = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    student.load_state_dict(ckpt['state_dict'], strict=True)
    for key, value in model.architecture.state_dict().items():
        assert torch.equal(ckpt['state_dict'][key], value)
    assert not any(k.startswith('teacher') for k in ckpt['state_dict'])


def test_iteration_checkpoints(tmp_path):
    model = Algorithm()
    hook = RSKDStudentCheckpointHook(
        interval=20, by_epoch=False, max_keep_ckpts=-1)
    for it in range(50):
        runner = runner_at(tmp_path, model, it=it)
        hook.after_train_iter(runner, batch_idx=it)
        hook.after_train_epoch(runner)  # by_epoch=False: never writes
    names = sorted(p.name for p in tmp_path.glob('student_*.pth'))
    assert names == [
        'student_iter_20.pth', 'student_iter_40.pth', 'student_iter_50.pth'
    ]


def test_only_rank_zero_writes(tmp_path):
    hook = RSKDStudentCheckpointHook()
    hook.after_train_epoch(runner_at(tmp_path, Algorithm(), epoch=4, rank=1))
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_and_models_are_named(tmp_path):
    with pytest.raises(ValueError, match='interval must be >= 1, got 0'):
        RSKDStudentCheckpointHook(interval=0)
    hook = RSKDStudentCheckpointHook()
    with pytest.raises(KeyError, match='no "architecture.\\*" keys'):
        hook.after_train_epoch(runner_at(tmp_path, nn.Linear(2, 2), epoch=4))
