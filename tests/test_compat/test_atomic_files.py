# Copyright (c) rskd_mm contributors. All rights reserved.
"""Checkpoints and last_checkpoint are written atomically."""
import io
import os

import pytest
import torch
from mmengine.fileio.backends.local_backend import LocalBackend
from mmengine.runner import save_checkpoint

from rskd_mm.compat import APPLIED, atomic_files


def test_fix_is_applied():
    assert 'atomic_files' in APPLIED
    assert not atomic_files.needed()


def test_failed_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    save_checkpoint(dict(state_dict=dict(w=torch.ones(3))), str(path))
    before = path.read_bytes()

    class Boom(RuntimeError):
        pass

    real_fsync = os.fsync

    def fsync_then_die(fd):  # the process dies after part of the write
        real_fsync(fd)
        raise Boom('killed while writing')

    monkeypatch.setattr(os, 'fsync', fsync_then_die)
    with pytest.raises(Boom):
        save_checkpoint(dict(state_dict=dict(w=torch.zeros(1000))), str(path))
    monkeypatch.setattr(os, 'fsync', real_fsync)
    # the old file is intact and loadable, and no temporary file is left
    assert path.read_bytes() == before
    assert torch.load(io.BytesIO(before))['state_dict']['w'].sum() == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']


def test_put_text_replaces_whole_file(tmp_path):
    path = tmp_path / 'last_checkpoint'
    LocalBackend().put_text('/a/epoch_1.pth', str(path))
    LocalBackend().put_text('/a/epoch_2.pth', str(path))
    assert path.read_text() == '/a/epoch_2.pth'
    LocalBackend().put(b'xyz', str(tmp_path / 'sub' / 'f.bin'))
    assert (tmp_path / 'sub' / 'f.bin').read_bytes() == b'xyz'
