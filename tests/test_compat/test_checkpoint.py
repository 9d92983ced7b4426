# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmengine checkpoints with non-tensor state load on torch >= 2.6."""
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, load_checkpoint, save_checkpoint

from rskd_mm.compat import checkpoint as ckpt_fix
from rskd_mm.compat.utils import torch_version


def _mmengine_style_checkpoint(path):
    """What Runner.save_checkpoint writes: weights plus non-tensor meta."""
    model = nn.Linear(3, 2)
    state = dict(
        meta=dict(
            epoch=3,
            iter=30,
            seed=np.int64(0),
            message_hub=dict(
                log_scalars={'loss': HistoryBuffer([1.0, 0.5], [1, 1])}),
            dataset_meta=dict(classes=('a', 'b'))),
        state_dict=model.state_dict())
    save_checkpoint(state, str(path))
    return model


def test_local_loader_is_replaced():
    if ckpt_fix.needed():
        assert CheckpointLoader._schemes[''] is ckpt_fix.load_from_local


def test_load_checkpoint_with_meta(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    model = _mmengine_style_checkpoint(path)
    target = nn.Linear(3, 2)
    ckpt = load_checkpoint(target, str(path), map_location='cpu')
    assert ckpt['meta']['epoch'] == 3
    assert isinstance(ckpt['meta']['message_hub']['log_scalars']['loss'],
                      HistoryBuffer)
    torch.testing.assert_close(target.weight, model.weight)


@pytest.mark.skipif(torch_version() < (2, 6), reason='torch < 2.6 default')
def test_weights_only_opt_in_restores_torch_default(tmp_path, monkeypatch):
    """Without the fix (weights_only=True) the same file does not load."""
    path = tmp_path / 'epoch_3.pth'
    _mmengine_style_checkpoint(path)
    monkeypatch.setenv('RSKD_MM_WEIGHTS_ONLY', '1')
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(nn.Linear(3, 2), str(path), map_location='cpu')


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(nn.Linear(3, 2), str(missing))
