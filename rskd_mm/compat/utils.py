# Copyright (c) rskd_mm contributors. All rights reserved.
"""Small helpers shared by the compatibility fixes."""
import re
from typing import Tuple


def parse_version(version: str) -> Tuple[int, ...]:
    """``'2.14.1+cu130'`` -> ``(2, 14, 1)``; pre-release tags are dropped."""
    parts = []
    for piece in version.split('+')[0].split('.'):
        match = re.match(r'\d+', piece)
        if match is None:
            break
        parts.append(int(match.group()))
    return tuple(parts)


def torch_version() -> Tuple[int, ...]:
    import torch
    return parse_version(torch.__version__)
