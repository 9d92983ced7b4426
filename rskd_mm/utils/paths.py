# Copyright (c) rskd_mm contributors. All rights reserved.
"""Refuse to write over an input.

Every tool that writes a file names its inputs and its outputs once, and
:func:`check_outputs` stops it, before any work, when an output is one of
the inputs: the same path, the same file through a symbolic link, or the
same inode through a hard link (``os.path.samefile``). A folder that a tool
writes into may not be an input folder or contain an input file it would
replace either.
"""
import os.path as osp
from typing import Dict, Iterable, Optional, Tuple, Union

__all__ = ['OverwriteInputError', 'check_outputs', 'same_file']

Paths = Union[Dict[str, Optional[str]], Iterable[Tuple[str, Optional[str]]]]


class OverwriteInputError(ValueError):
    """An output of a tool is one of its inputs; nothing was written."""


def _items(paths: Paths):
    items = paths.items() if isinstance(paths, dict) else paths
    return [(name, str(p)) for name, p in items if p]


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same file or folder: equal real
    paths (a link, ``..``), or, when both exist, the same inode (a hard
    link)."""
    a, b = osp.expanduser(a), osp.expanduser(b)
    if osp.realpath(a) == osp.realpath(b):
        return True
    try:
        return osp.exists(a) and osp.exists(b) and osp.samefile(a, b)
    except OSError:
        return False


def check_outputs(inputs: Paths, outputs: Paths, prog: str = '') -> None:
    """Raise :class:`OverwriteInputError` if an output is an input.

    Args:
        inputs: ``name -> path`` (or pairs) of the files and folders the
            tool reads; ``None`` entries are skipped.
        outputs: ``name -> path`` (or pairs) of what it writes; a folder
            output is compared with every input folder.
        prog: the tool's name, for the message.
    """
    ins, outs = _items(inputs), _items(outputs)
    who = f'{prog}: ' if prog else ''
    for o_name, o_path in outs:
        for i_name, i_path in ins:
            if same_file(o_path, i_path):
                how = '' if o_path == i_path else (
                    f' {i_path} (the same file under another name or '
                    'through a link)')
                raise OverwriteInputError(
                    f'{who}the {o_name} {o_path} is the {i_name}{how}: '
                    f'writing it would destroy the {i_name}; nothing was '
                    f'written. Choose another {o_name}.')
        for o2_name, o2_path in outs:
            if o2_name < o_name and same_file(o_path, o2_path):
                raise OverwriteInputError(
                    f'{who}the {o_name} and the {o2_name} are the same file '
                    f'({o_path}); nothing was written.')
