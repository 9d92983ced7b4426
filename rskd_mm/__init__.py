# Copyright (c) rskd_mm contributors. All rights reserved.
"""rskd_mm: knowledge distillation for remote sensing on OpenMMLab.

Importing the package first applies the compatibility layer for the
dependency stack (:mod:`rskd_mm.compat`; it must run before mmrazor's first
import), then imports the modules that register rskd_mm's components in the
host registries: mmpretrain ``MODELS``/``DATASETS`` (ensemble teacher, remote
sensing data sets), mmrazor ``MODELS`` (distillation algorithm, losses) and
mmengine ``HOOKS``. Configs pull it in with
``custom_imports = dict(imports=['rskd_mm'])``.
"""
from .compat import apply_all as _apply_compat

_apply_compat()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']
