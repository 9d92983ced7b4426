# Copyright (c) rskd_mm contributors. All rights reserved.
"""Models registered in the host registries.

* ``classifiers``: mmpretrain ``MODELS`` (ensemble teacher).
* ``backbones``, ``decode_heads``: mmseg ``MODELS`` (DP-CTNet).
* ``algorithms``, ``losses``: mmrazor ``MODELS`` (distillation);
  ``mutators``: mmrazor ``MODELS`` (pruning that reaches the transformer);
  ``task_modules``: mmrazor ``TASK_UTILS`` (recorders).
"""
from . import (algorithms, backbones, classifiers, decode_heads, losses,
               mutators, task_modules)
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .decode_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .mutators import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403

__all__ = [
    'algorithms', 'backbones', 'classifiers', 'decode_heads', 'losses',
    'mutators', 'task_modules'
]
