# Copyright (c) rskd_mm contributors. All rights reserved.
"""Checkpoints load weights-only: what mmengine and rskd_mm write loads,
anything needing another global is refused before its code runs, and
torch's own ``torch.load`` is left as torch ships it."""
import fractions
import os
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader, load_checkpoint, save_checkpoint

from rskd_mm.compat import checkpoint as ckpt_fix
from rskd_mm.compat.checkpoint import UnsafeCheckpointError
from rskd_mm.compat.utils import torch_version

needs_safe_default = pytest.mark.skipif(
    torch_version() < (2, 6), reason='torch < 2.6 loads fully by default')


class RunsCode:
    """Pickles as a call of ``os.system``: unpickling it creates
    ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _mmengine_style_checkpoint(path):
    """What Runner.save_checkpoint writes: weights plus non-tensor meta
    (the message hub's history buffers, numpy scalars)."""
    model = nn.Linear(3, 2)
    hub = MessageHub('test_checkpoint_hub')
    hub.update_scalar('train/loss', 1.0)
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('iter', 30)
    state = dict(
        meta=dict(
            epoch=3,
            iter=30,
            seed=np.int64(0),
            lr=np.float64(0.1),
            message_hub=hub.state_dict(),
            dataset_meta=dict(classes=('a', 'b'))),
        state_dict=model.state_dict())
    save_checkpoint(state, str(path))
    return model


def test_local_loader_is_replaced():
    if ckpt_fix.needed():
        assert CheckpointLoader._schemes[''] is ckpt_fix.load_from_local


@needs_safe_default
def test_mmengine_checkpoint_needs_only_allowed_globals(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    _mmengine_style_checkpoint(path)
    needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    assert 'builtins.getattr' not in needed  # the history buffer's fix
    assert needed <= set(ckpt_fix.allowed_globals()), needed


def test_load_checkpoint_with_meta(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    model = _mmengine_style_checkpoint(path)
    target = nn.Linear(3, 2)
    ckpt = load_checkpoint(target, str(path), map_location='cpu')
    assert ckpt['meta']['epoch'] == 3 and ckpt['meta']['seed'] == 0
    buf = ckpt['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    # the statistics functions are the class's own again
    assert buf.mean() == 0.75 and buf.statistics('min') == 0.5
    torch.testing.assert_close(target.weight, model.weight)


@needs_safe_default
def test_code_in_a_checkpoint_never_runs(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pth'
    torch.save(
        dict(state_dict=nn.Linear(3, 2).state_dict(), x=RunsCode(marker)),
        str(path))
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint(nn.Linear(3, 2), str(path))
    assert str(path) in str(err.value) and '`posix.system`' in str(err.value)
    assert '--trust-checkpoint' in str(err.value)
    assert not marker.exists()

    legacy = tmp_path / 'evil_legacy.pth'
    torch.save(
        dict(x=RunsCode(marker)),
        str(legacy),
        _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        CheckpointLoader.load_checkpoint(str(legacy))
    assert not marker.exists()


@needs_safe_default
def test_trusted_files_load_fully_on_request(tmp_path, monkeypatch):
    path = tmp_path / 'old.pth'
    torch.save(
        dict(
            state_dict=nn.Linear(3, 2).state_dict(),
            meta=dict(third=fractions.Fraction(1, 3))), str(path))
    with pytest.raises(UnsafeCheckpointError, match='fractions.Fraction'):
        CheckpointLoader.load_checkpoint(str(path))
    monkeypatch.setenv('RSKD_MM_WEIGHTS_ONLY', '0')
    ckpt = CheckpointLoader.load_checkpoint(str(path))
    assert ckpt['meta']['third'] == fractions.Fraction(1, 3)


@needs_safe_default
def test_torch_load_is_left_as_torch_ships_it(tmp_path):
    """Importing rskd_mm (done by the conftest) and loading through it do
    not add to torch's allow-list: plain ``torch.load`` of an mmengine
    checkpoint is still refused by torch itself."""
    path = tmp_path / 'epoch_3.pth'
    _mmengine_style_checkpoint(path)
    CheckpointLoader.load_checkpoint(str(path))
    from torch.serialization import _weights_only_unpickler as wo
    user = set(wo._get_user_allowed_globals())
    assert not user & set(ckpt_fix.allowed_globals())
    with pytest.raises(pickle.UnpicklingError):
        torch.load(str(path))


def test_safetensors_round_trip(tmp_path):
    state = dict(w=torch.randn(2, 3), b=torch.arange(4))
    meta = dict(dataset_meta=dict(classes=['a', 'b'], palette=[[1, 2, 3]]))
    path = str(tmp_path / 'm.safetensors')
    ckpt_fix.save_safetensors(dict(state_dict=state, meta=meta), path)
    assert ckpt_fix.is_safetensors(path)
    # found by its header too, whatever its name
    os.rename(path, str(tmp_path / 'm.bin'))
    assert ckpt_fix.is_safetensors(str(tmp_path / 'm.bin'))
    ckpt = CheckpointLoader.load_checkpoint(str(tmp_path / 'm.bin'))
    assert ckpt['meta'] == meta
    assert set(ckpt['state_dict']) == {'w', 'b'}
    torch.testing.assert_close(ckpt['state_dict']['w'], state['w'])
    assert not ckpt_fix.is_safetensors(str(tmp_path / 'nope.pth'))


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(nn.Linear(3, 2), str(missing))
