# Copyright (c) rskd_mm contributors. All rights reserved.
"""Models registered in the host registries.

* ``classifiers``: mmpretrain ``MODELS`` (ensemble teacher).
* ``algorithms``, ``losses``: mmrazor ``MODELS`` (distillation);
  ``task_modules``: mmrazor ``TASK_UTILS`` (recorders).
"""
from . import algorithms, classifiers, losses, task_modules  # noqa: F401
from .algorithms import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
