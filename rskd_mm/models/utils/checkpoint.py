# Copyright (c) rskd_mm contributors. All rights reserved.
"""Strict, explicit checkpoint loading for teachers."""
import difflib
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch.nn as nn

from rskd_mm.compat.checkpoint import UnsafeCheckpointError

_PREFIXES = ('module.', )


class CheckpointMismatchError(KeyError):
    """A checkpoint's keys or shapes do not match the model."""

    def __str__(self):  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ''


def _close_matches(key: str, candidates: List[str]) -> str:
    matches = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f' (did you mean {matches[0]!r}?)' if matches else ''


def _format_keys(keys: List[str], candidates: List[str], limit=10) -> str:
    lines = [f'  {k}{_close_matches(k, candidates)}' for k in keys[:limit]]
    if len(keys) > limit:
        lines.append(f'  ... and {len(keys) - limit} more')
    return '\n'.join(lines)


def extract_state_dict(checkpoint, filename: str) -> 'OrderedDict':
    """The model weights of a checkpoint (mmengine or plain state dict)."""
    if not isinstance(checkpoint, dict):
        raise CheckpointReadError(
            f'{filename}: not a checkpoint: it holds a '
            f'{type(checkpoint).__name__}, not a state dict')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise CheckpointReadError(
            f'{filename}: not a checkpoint: its state_dict is a '
            f'{type(state).__name__}')
    state = OrderedDict(state)
    for prefix in _PREFIXES:
        if state and all(k.startswith(prefix) for k in state):
            state = OrderedDict((k[len(prefix):], v) for k, v in state.items())
    return state


class CheckpointReadError(RuntimeError):
    """A file is not a readable checkpoint (text, truncated, other format)."""


def read_checkpoint(filename: str, map_location='cpu', what: str = '') -> dict:
    """Read a checkpoint with mmengine's loader, or fail in one line that
    names the file and what is wrong with it (missing, empty, text,
    truncated, another format)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    who = f'{what}: ' if what else ''
    if not filename or not isinstance(filename, str):
        raise ValueError(f'{who}checkpoint must be a file path, '
                         f'got {filename!r}')
    local = '://' not in filename
    path = osp.expanduser(filename)
    if local and not osp.isfile(path):
        raise FileNotFoundError(f'{who}checkpoint file not found: {filename}')
    if local and osp.getsize(path) == 0:
        raise CheckpointReadError(f'{who}{filename}: not a readable '
                                  'checkpoint: the file is empty')
    try:
        checkpoint = CheckpointLoader.load_checkpoint(
            filename, map_location=map_location)
    except (FileNotFoundError, UnsafeCheckpointError):
        raise
    except Exception as exc:  # noqa: BLE001 - re-raised with the file name
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ''
        if 'zip archive' in msg or 'central directory' in msg or isinstance(
                exc, EOFError):
            why = 'truncated or corrupt'
        elif 'pickle' in type(exc).__module__ or type(
                exc
        ).__name__ == 'UnpicklingError' or 'invalid load key' in msg:
            why = 'not a PyTorch checkpoint (text or another format?)'
        else:
            why = 'unreadable'
        raise CheckpointReadError(
            f'{who}{filename}: not a readable checkpoint: {why} '
            f'({type(exc).__name__}: {msg})') from exc
    if not isinstance(checkpoint, dict):
        raise CheckpointReadError(
            f'{who}{filename}: not a checkpoint: it holds a '
            f'{type(checkpoint).__name__}, not a state dict')
    return checkpoint


class ClassMismatchError(ValueError):
    """A checkpoint records other class names (or another order) than the
    data it is used with."""


def checkpoint_classes(checkpoint) -> Optional[List[str]]:
    """The class names a checkpoint records (``meta.dataset_meta.classes``,
    as mmengine saves them), or None."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    dataset_meta = meta.get('dataset_meta') if isinstance(meta, dict) else None
    classes = dataset_meta.get('classes') if isinstance(dataset_meta,
                                                        dict) else None
    return [str(c) for c in classes] if classes else None


def check_classes(recorded, expected, filename: str, what: str,
                  source: str) -> None:
    """Refuse a checkpoint whose recorded class names differ from the
    ``expected`` ones (of ``source``), naming the first differing label; a
    checkpoint that records no classes passes."""
    if not recorded or not expected:
        return
    recorded, expected = [str(c) for c in recorded], [str(c) for c in expected]
    if recorded == expected:
        return
    who = f'{what}: ' if what else ''
    for i, (a, b) in enumerate(zip(recorded, expected)):
        if a != b:
            where = (f'class {i} is {a!r} in the checkpoint but {b!r} in '
                     f'{source}')
            break
    else:
        where = (f'the checkpoint records {len(recorded)} classes, '
                 f'{source} has {len(expected)}')
    order = ' (the same names in another order)' if sorted(recorded) == sorted(
        expected) else ''
    raise ClassMismatchError(
        f'{who}checkpoint {filename} was trained with other classes{order}: '
        f'{where}; its outputs would be read as the wrong classes, so '
        'nothing was run. Use a checkpoint trained on these classes (or give '
        'the data set its classes in the checkpoint\'s order).')


def map_state_dict(model: nn.Module,
                   state: 'OrderedDict',
                   log: bool = False) -> 'OrderedDict':
    """Apply a model's own checkpoint key mapping (see
    :func:`accept_plain_architecture_checkpoint`) to ``state``, as its
    ``load_state_dict`` would (and log the renaming when ``log``)."""
    mapper = getattr(model, '_rskd_map_state_dict', None)
    if mapper is None:
        return state
    state = OrderedDict(state)
    mapper(state, '', log=log)
    return state


def plain_model_checkpoint(model: nn.Module, state: dict) -> bool:
    """Whether ``state`` is a plain model checkpoint that ``model`` (an
    algorithm wrapping it) maps into its wrapped model."""
    mapper = getattr(model, '_rskd_map_state_dict', None)
    return bool(mapper is not None and mapper(OrderedDict(state), '', False))


def state_dict_mismatch(model: nn.Module,
                        state: dict,
                        ignore_missing: Tuple[str, ...] = ()):
    """Compare a state dict with a model.

    Returns:
        tuple: ``(missing, unexpected, mismatched)``: key lists, and
        ``(key, checkpoint_shape, model_shape)`` triples. Missing keys that
        start with a prefix in ``ignore_missing`` are not reported (e.g.
        ``teacher.`` for a teacher loaded from its own checkpoint).
    """
    own = model.state_dict()
    missing = [
        k for k in own
        if k not in state and not k.startswith(tuple(ignore_missing))
    ]
    unexpected = [k for k in state if k not in own]
    mismatched = [(k, tuple(state[k].shape), tuple(own[k].shape)) for k in own
                  if k in state and hasattr(state[k], 'shape')
                  and tuple(state[k].shape) != tuple(own[k].shape)]
    return missing, unexpected, mismatched


def format_mismatch(missing,
                    unexpected,
                    mismatched,
                    own_keys,
                    state_keys,
                    limit: int = 10) -> str:
    """The lines of a mismatch message: each kind with its count and the
    first ``limit`` keys (with the closest name on the other side)."""
    parts = []
    if mismatched:
        lines = [
            f'  {k}: checkpoint {c} vs model {m}'
            for k, c, m in mismatched[:limit]
        ]
        if len(mismatched) > limit:
            lines.append(f'  ... and {len(mismatched) - limit} more')
        parts.append(f'shape mismatches ({len(mismatched)}):\n' +
                     '\n'.join(lines))
    if missing:
        parts.append(f'missing keys ({len(missing)}):\n' +
                     _format_keys(missing, list(state_keys), limit))
    if unexpected:
        parts.append(f'unexpected keys ({len(unexpected)}):\n' +
                     _format_keys(unexpected, list(own_keys), limit))
    return '\n'.join(parts)


def load_checkpoint_strict(model: nn.Module,
                           filename: str,
                           what: str = 'teacher',
                           map_location: str = 'cpu') -> Dict:
    """Load every weight of ``model`` from ``filename``, or fail clearly.

    Unlike ``mmengine.runner.load_checkpoint(..., strict=False)``, which
    mmrazor uses for teachers and which only logs a warning, any missing or
    unexpected key, or a shape mismatch, is an error that names the keys
    (with the closest match on the other side) and the file.

    Returns:
        dict: the loaded checkpoint (with its ``meta``, if any).
    """
    checkpoint = read_checkpoint(filename, map_location, what=what)
    state = extract_state_dict(checkpoint, filename)
    missing, unexpected, mismatched = state_dict_mismatch(model, state)
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(
            f'{what}: checkpoint {filename} does not match the model '
            f'({type(model).__name__}); is it for another architecture?\n' +
            format_mismatch(missing, unexpected, mismatched,
                            model.state_dict().keys(), state.keys()))
    model.load_state_dict(state, strict=True)
    # checked against the data's classes when the runner has built them
    model._rskd_checkpoint_classes = (what, filename,
                                      checkpoint_classes(checkpoint))
    return checkpoint


def accept_plain_architecture_checkpoint(algorithm: nn.Module,
                                         attr: str = 'architecture') -> None:
    """Let ``load_from`` (and ``load_state_dict``) take a plain model
    checkpoint for an algorithm that wraps the model as ``algorithm.<attr>``.

    A checkpoint of the bare student (keys ``backbone.*``, ``head.*``, ...)
    has none of the algorithm's ``architecture.`` prefix, so mmengine's
    non-strict ``load_from`` would load nothing and say little. With this
    pre-hook, when no key of the incoming state dict belongs to the
    algorithm itself but its keys are the wrapped model's, they are renamed
    to ``<attr>.<key>`` (and the renaming is logged).
    """
    from mmengine.logging import print_log

    def mapper(state_dict, prefix, log=True) -> bool:
        own = {k[len(prefix):] for k in state_dict if k.startswith(prefix)}
        if not own or any(k.startswith(f'{attr}.') for k in own):
            return False
        # a top-level name of the algorithm other than the wrapped model
        names = {n
                 for n, _ in algorithm.named_children()
                 } - {attr, 'data_preprocessor'}
        if any(k.split('.', 1)[0] in names for k in own):
            return False
        wrapped = set(getattr(algorithm, attr).state_dict().keys())
        if not own & wrapped:
            return False
        for k in sorted(own):
            state_dict[f'{prefix}{attr}.{k}'] = state_dict.pop(f'{prefix}{k}')
        if log:
            print_log(
                f'{type(algorithm).__name__}: the checkpoint holds a plain '
                f'model ({len(own)} keys, {len(own & wrapped)} of them the '
                f'{attr}\'s); loading it into `{attr}`',
                logger='current')
        return True

    def hook(state_dict, prefix, *args, **kwargs):
        mapper(state_dict, prefix)

    algorithm._rskd_map_state_dict = mapper
    algorithm._rskd_wrapped_attr = attr
    algorithm._register_load_state_dict_pre_hook(hook)
