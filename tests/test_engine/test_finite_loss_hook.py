# Copyright (c) rskd_mm contributors. All rights reserved.
"""A non-finite loss stops the run by name; the last checkpoint stays good."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner

from rskd_mm.compat.checkpoint import load_file
from rskd_mm.engine.hooks import NonFiniteLossError


class ToyDistill(BaseModel):
    """Two loss terms; the distillation term blows up at iteration 4."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls += 1
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.fc(x).mean()
        kd = out * 0 + (float('nan') if self.calls >= 4 else 0.1)
        return {'student.loss': out.abs(), 'distill.loss_kd': kd}


def test_nan_loss_stops_with_iteration_and_terms(tmp_path):
    data = [dict(inputs=torch.randn(2)) for _ in range(8)]
    runner = Runner(
        model=ToyDistill(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=8),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1),
            finite_loss=dict(type='RSKDFiniteLossHook')),
        default_scope='mmengine')
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    assert 'iteration 4' in msg and "'distill.loss_kd'" in msg
    assert 'student.loss=' in msg and 'distill.loss_kd=nan' in msg
    # checkpoints of iterations 1-3 only; the latest one is the last good
    with open(osp.join(tmp_path, 'last_checkpoint')) as f:
        last = f.read().strip()
    assert osp.basename(last) == 'iter_3.pth'
    assert not osp.exists(osp.join(tmp_path, 'iter_4.pth'))
    state = load_file(last, map_location='cpu')
    assert all(torch.isfinite(v).all() for v in state['state_dict'].values())
