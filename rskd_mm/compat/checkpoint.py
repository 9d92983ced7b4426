# Copyright (c) rskd_mm contributors. All rights reserved.
"""Load mmengine checkpoints (and ``--resume``) on torch >= 2.6.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``.
mmengine 0.10.7 calls ``torch.load(filename, map_location=...)`` and its
checkpoints carry non-tensor state (``meta`` with the message hub's history
buffers and numpy values, scheduler state), so ``load_from``, ``--resume`` and
the mmpretrain/mmseg inference APIs fail with an ``UnpicklingError``. This fix
re-registers mmengine's loader for local paths so it loads the full
checkpoint, as torch < 2.6 did (URLs go through ``torch.hub``, whose default
is already ``weights_only=False``).

As with torch < 2.6, a checkpoint is pickled Python: load only checkpoints
you trust. Set ``RSKD_MM_WEIGHTS_ONLY=1`` to keep torch's ``weights_only=True``
(plain state-dict files still load; mmengine training checkpoints do not).

Targets: mmengine <= 0.10.7 on torch >= 2.6.
"""
import os
import os.path as osp

from .utils import torch_version


def _weights_only() -> bool:
    return os.environ.get('RSKD_MM_WEIGHTS_ONLY', '0') == '1'


def torch_load(f, map_location=None):
    """``torch.load`` with the pre-2.6 default, unless the user opted in."""
    import torch
    return torch.load(
        f, map_location=map_location, weights_only=_weights_only())


def load_from_local(filename, map_location):
    """mmengine's ``load_from_local`` with an explicit ``weights_only``."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch_load(filename, map_location=map_location)


def needed() -> bool:
    return torch_version() >= (2, 6)


def apply() -> None:
    from mmengine.runner import checkpoint as mm_checkpoint
    loader = mm_checkpoint.CheckpointLoader
    loader.register_scheme(prefixes='', force=True)(load_from_local)
    # The bound name, for code that calls it directly.
    mm_checkpoint.load_from_local = load_from_local
