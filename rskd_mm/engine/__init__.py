# Copyright (c) rskd_mm contributors. All rights reserved.
from .hooks import *  # noqa: F401,F403
from .hooks import __all__ as _hooks_all
from .runner import RSKDRunner

__all__ = list(_hooks_all) + ['RSKDRunner']
