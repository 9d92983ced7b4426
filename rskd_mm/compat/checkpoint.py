# Copyright (c) rskd_mm contributors. All rights reserved.
"""Load mmengine checkpoints weights-only on torch >= 2.6, safely.

torch 2.6 changed ``torch.load``'s default to ``weights_only=True``.
mmengine 0.10.7 calls ``torch.load(filename, map_location=...)`` and its
checkpoints carry non-tensor state (``meta`` with the message hub's history
buffers and numpy values), so ``load_from``, ``--resume`` and the
mmpretrain/mmseg inference APIs fail with an ``UnpicklingError``.

This fix re-registers mmengine's loader for local paths with
:func:`load_file`, which keeps torch's protection:

* ``.safetensors`` files are read with the safetensors package (a format
  that holds tensors and a string header, never code);
* for a pickled checkpoint, the globals its pickle would call are listed
  first without running anything
  (``torch.serialization.get_unsafe_globals_in_checkpoint``); any global
  outside :func:`allowed_globals` (exactly what the checkpoints written by
  mmengine and rskd_mm need) stops the load with
  :class:`UnsafeCheckpointError`, naming the file and the global;
* the file is then loaded with ``weights_only=True`` inside
  ``torch.serialization.safe_globals(...)``: torch's own allow-list is not
  changed, so importing rskd_mm changes nothing for ``torch.load`` calls of
  other code.

mmengine's ``HistoryBuffer.__getstate__`` pickles the class's table of
statistics functions (``min``, ``max``, ... reached through
``builtins.getattr``, a general-purpose callable that must never be
allowed). :func:`apply` makes it pickle its plain state only (the log and
count arrays and ``max_length``); the functions are the class's own and are
there again when it is loaded (``HistoryBuffer.__setstate__`` accepts a
state without them). Checkpoints written before this fix need
``builtins.getattr`` and are refused (see below).

A file the user trusts (an old checkpoint with other pickled objects) loads
fully with ``RSKD_MM_WEIGHTS_ONLY=0`` in the environment, or with the
``--trust-checkpoint`` flag of the tools (which sets it).

Targets: mmengine <= 0.10.7 on torch >= 2.6.
"""
import json
import os
import os.path as osp
import pickle
import re
import struct
from typing import List

from .utils import torch_version

#: The environment variable: ``0`` loads pickled checkpoints fully (trusted
#: files only); anything else (or unset) is weights-only.
ENV = 'RSKD_MM_WEIGHTS_ONLY'

#: The metadata key under which a ``.safetensors`` file of rskd_mm keeps the
#: checkpoint's ``meta`` (JSON).
SAFETENSORS_META_KEY = 'rskd_mm.meta'


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint's pickle needs a global outside the allow-list: it was
    refused before any of its code ran."""


def trusted() -> bool:
    """Whether the user asked to load pickled checkpoints fully."""
    return os.environ.get(ENV, '1').strip().lower() in ('0', 'false', 'no')


def trust_checkpoints() -> None:
    """Load pickled checkpoints fully in this process and its children
    (what ``--trust-checkpoint`` does)."""
    os.environ[ENV] = '0'


def _allowed():
    """``(object, pickled name)`` pairs of the globals mmengine and rskd_mm
    checkpoints need beyond torch's own allow-list (tensors, storages,
    ``collections.OrderedDict``)."""
    import _codecs
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    try:  # numpy >= 2 pickles from numpy._core, numpy 1 from numpy.core
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1
        from numpy.core import multiarray
    pairs = [(HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
             (np.dtype, 'numpy.dtype'), (np.ndarray, 'numpy.ndarray'),
             (_codecs.encode, '_codecs.encode')]
    # the same two functions under their numpy 1 (files written before
    # numpy 2) and numpy 2 names
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        pairs += [(multiarray._reconstruct, f'{module}._reconstruct'),
                  (multiarray.scalar, f'{module}.scalar')]
    # ``numpy.dtype('int64')`` returns a ``numpy.dtypes.Int64DType``, whose
    # state the unpickler then sets: the class is not named in the pickle
    # (torch's static scan does not list it) but must be allowed to build
    dtypes = getattr(np, 'dtypes', None)
    for name in dir(dtypes) if dtypes is not None else ():
        cls = getattr(dtypes, name)
        if isinstance(cls, type) and name.endswith('DType'):
            pairs.append((cls, f'numpy.dtypes.{name}'))
    return pairs


def allowed_globals() -> List[str]:
    """The names of the globals allowed beyond torch's own list."""
    return sorted({name for _, name in _allowed()})


def is_safetensors(filename: str) -> bool:
    """A ``.safetensors`` file (by its name, or by its header: 8 bytes of
    header length, then a JSON object)."""
    if str(filename).endswith('.safetensors'):
        return True
    try:
        with open(filename, 'rb') as f:
            head = f.read(9)
    except OSError:
        return False
    if len(head) < 9 or head[:2] == b'PK':
        return False
    n = struct.unpack('<Q', head[:8])[0]
    return head[8:9] == b'{' and 0 < n < 100 * 2**20 and n + 8 <= osp.getsize(
        filename)


def load_safetensors(filename: str, map_location='cpu') -> dict:
    """A ``.safetensors`` file as an mmengine-style checkpoint:
    ``{'state_dict': tensors, 'meta': ...}`` (``meta`` from the file's
    ``rskd_mm.meta`` metadata, if any)."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    device = map_location if isinstance(map_location, str) else 'cpu'
    state = load_file(filename, device=device)
    with safe_open(filename, framework='pt') as f:
        metadata = f.metadata() or {}
    ckpt = dict(state_dict=state)
    if SAFETENSORS_META_KEY in metadata:
        ckpt['meta'] = json.loads(metadata[SAFETENSORS_META_KEY])
    return ckpt


def save_safetensors(checkpoint: dict, filename: str) -> None:
    """Write ``checkpoint['state_dict']`` (tensors) and its JSON-able
    ``meta`` to ``filename`` in the safetensors format."""
    from safetensors.torch import save_file
    state = {
        k: v.detach().contiguous().cpu()
        for k, v in checkpoint['state_dict'].items()
    }
    meta = checkpoint.get('meta')
    metadata = {'format': 'pt'}
    if meta:
        metadata[SAFETENSORS_META_KEY] = json.dumps(meta, default=str)
    save_file(state, filename, metadata=metadata)


def _refuse(filename: str, names) -> UnsafeCheckpointError:
    names = sorted(names)
    more = f' (and {len(names) - 1} more: {", ".join(names[1:4])})' if len(
        names) > 1 else ''
    return UnsafeCheckpointError(
        f'{filename}: refused before loading: its pickle calls '
        f'`{names[0]}`{more}, which checkpoints written by mmengine and '
        'rskd_mm never need, so loading it could run code. If you trust '
        'this file, load it with --trust-checkpoint (or '
        f'{ENV}=0 in the environment); better, ask its author for a '
        '.safetensors file (docs/troubleshooting.md, "refused before '
        'loading").')


def torch_load(f, map_location=None):
    """``torch.load`` weights-only with the allow-list (or fully, when the
    user trusts the files): see the module docstring."""
    import torch
    if trusted():
        return torch.load(f, map_location=map_location, weights_only=False)
    pairs = _allowed()
    allowed = {name for _, name in pairs}
    if isinstance(f, (str, os.PathLike)):
        with open(f, 'rb') as fh:
            head = fh.read(2)
        # torch.save writes a zip archive (or, legacy, a pickle: 0x80 first)
        if head[:2] != b'PK' and head[:1] != b'\x80':
            raise pickle.UnpicklingError(
                f'invalid load key, {head[:1]!r}: not a file of torch.save')
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(f)
        except (ValueError, RuntimeError, pickle.UnpicklingError):
            unsafe = []  # not a zip checkpoint: the unpickler below checks
        extra = [g for g in unsafe if g not in allowed]
        if extra:
            raise _refuse(str(f), extra)
    try:
        with torch.serialization.safe_globals(pairs):
            return torch.load(f, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        # legacy (non-zip) files: torch's unpickler refused a global
        found = re.search(r'GLOBAL ([\w.]+)', str(exc))
        if found:
            raise _refuse(str(f), [found.group(1)]) from None
        raise


def load_file(filename, map_location=None):
    """Read a local checkpoint: ``.safetensors`` or a torch file (see
    :func:`torch_load`)."""
    if is_safetensors(filename):
        return load_safetensors(filename, map_location or 'cpu')
    return torch_load(filename, map_location=map_location)


def load_from_local(filename, map_location):
    """mmengine's ``load_from_local``, loading with :func:`load_file`."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_file(filename, map_location=map_location)


def _history_buffer_getstate(self) -> dict:
    """``HistoryBuffer`` state in plain types: no statistics functions."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def needed() -> bool:
    return torch_version() >= (2, 6)


def apply() -> None:
    from mmengine.runner import checkpoint as mm_checkpoint
    loader = mm_checkpoint.CheckpointLoader
    loader.register_scheme(prefixes='', force=True)(load_from_local)
    # The bound name, for code that calls it directly.
    mm_checkpoint.load_from_local = load_from_local
    from mmengine.logging.history_buffer import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_getstate
