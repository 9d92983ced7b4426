# Copyright (c) rskd_mm contributors. All rights reserved.
"""Strict, explicit checkpoint loading for teachers."""
import difflib
import os.path as osp
from collections import OrderedDict
from typing import Dict, List

import torch.nn as nn

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
        raise RuntimeError(f'{filename} does not contain a state dict '
                           f'(got {type(checkpoint).__name__})')
    state = checkpoint.get('state_dict', checkpoint)
    state = OrderedDict(state)
    for prefix in _PREFIXES:
        if state and all(k.startswith(prefix) for k in state):
            state = OrderedDict((k[len(prefix):], v) for k, v in state.items())
    return state


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
    from mmengine.runner.checkpoint import CheckpointLoader
    if not filename or not isinstance(filename, str):
        raise ValueError(f'{what}: checkpoint must be a file path, '
                         f'got {filename!r}')
    if '://' not in filename and not osp.isfile(osp.expanduser(filename)):
        raise FileNotFoundError(f'{what}: checkpoint file not found: '
                                f'{filename}')
    try:
        checkpoint = CheckpointLoader.load_checkpoint(
            filename, map_location=map_location)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise RuntimeError(f'{what}: cannot read checkpoint {filename}: '
                           f'{type(exc).__name__}: {exc}') from exc
    state = extract_state_dict(checkpoint, filename)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [
        f'  {k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in own
        if k in state and hasattr(state[k], 'shape')
        and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or mismatched:
        parts = [
            f'{what}: checkpoint {filename} does not match the model '
            f'({type(model).__name__}); is it for another architecture?'
        ]
        if missing:
            parts.append(f'missing keys ({len(missing)}):\n' +
                         _format_keys(missing, list(state)))
        if unexpected:
            parts.append(f'unexpected keys ({len(unexpected)}):\n' +
                         _format_keys(unexpected, list(own)))
        if mismatched:
            parts.append(f'shape mismatches ({len(mismatched)}):\n' +
                         '\n'.join(mismatched[:10]))
        raise CheckpointMismatchError('\n'.join(parts))
    model.load_state_dict(state, strict=True)
    return checkpoint if isinstance(checkpoint, dict) else {}


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

    def hook(state_dict, prefix, *args, **kwargs):
        own = {k[len(prefix):] for k in state_dict if k.startswith(prefix)}
        if not own or any(k.startswith(f'{attr}.') for k in own):
            return
        # a top-level name of the algorithm other than the wrapped model
        names = {n for n, _ in algorithm.named_children()} - {
            attr, 'data_preprocessor'}
        if any(k.split('.', 1)[0] in names for k in own):
            return
        wrapped = set(getattr(algorithm, attr).state_dict().keys())
        if not own & wrapped:
            return
        for k in sorted(own):
            state_dict[f'{prefix}{attr}.{k}'] = state_dict.pop(f'{prefix}{k}')
        print_log(
            f'{type(algorithm).__name__}: the checkpoint holds a plain model '
            f'({len(own)} keys, {len(own & wrapped)} of them the '
            f'{attr}\'s); loading it into `{attr}`', logger='current')

    algorithm._register_load_state_dict_pre_hook(hook)
