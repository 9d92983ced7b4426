# Copyright (c) rskd_mm contributors. All rights reserved.
"""Let mmrazor 1.0.0 import on torch >= 2.1 (quantization left out).

At import time ``mmrazor.structures.quantization.backend_config`` builds
quantization backend configs with ``torch.ao.quantization`` APIs that were
removed from torch, so ``import mmrazor.models`` fails and no distiller or
pruning algorithm can be used. Quantization is out of rskd_mm's scope: this
module registers a replacement for that single module *before mmrazor's first
import*; its objects raise a clear error if someone does try to quantize.
Every distillation and pruning part of mmrazor imports and works.

Targets: mmrazor 1.0.0 (the last release) on torch >= 2.1.
"""
import importlib.util
import sys
import types

from .utils import torch_version

TARGET = 'mmrazor.structures.quantization.backend_config'

_MESSAGE = ('mmrazor quantization is not available in rskd_mm: mmrazor 1.0.0 '
            'quantization backend configs use torch.ao APIs removed in torch '
            '>= 2.1 (installed: {}). Distillation and pruning are unaffected.')


class _Unavailable:
    """Raise a clear error on any use of a removed quantization object."""

    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f'{self._name}: ' +
                           _MESSAGE.format(torch_version()))

    def __getitem__(self, key):
        raise RuntimeError(f'{self._name}[{key!r}]: ' +
                           _MESSAGE.format(torch_version()))


_NAMES = [
    'get_native_backend_config',
    'get_native_backend_config_dict',
    'get_academic_backend_config',
    'get_academic_backend_config_dict',
    'get_openvino_backend_config',
    'get_openvino_backend_config_dict',
    'get_tensorrt_backend_config',
    'get_tensorrt_backend_config_dict',
]


def make_stub() -> types.ModuleType:
    """Build the replacement module."""
    stub = types.ModuleType(TARGET, __doc__)
    stub.__file__ = __file__
    stub.__rskd_mm_stub__ = True
    for name in _NAMES:
        setattr(stub, name, _Unavailable(name))
    stub.BackendConfigs = _Unavailable('BackendConfigs')
    stub.__all__ = ['BackendConfigs'] + _NAMES
    return stub


def needed() -> bool:
    """True when mmrazor is installed, not yet stubbed and torch >= 2.1."""
    if TARGET in sys.modules:
        return False
    if importlib.util.find_spec('mmrazor') is None:
        return False
    return torch_version() >= (2, 1)


def apply() -> None:
    if 'mmrazor' in sys.modules and TARGET not in sys.modules:
        raise ImportError(
            'mmrazor was imported before rskd_mm, and its import on torch '
            f'{torch_version()} is broken. Import rskd_mm (or add it to '
            "custom_imports) before mmrazor.")
    sys.modules[TARGET] = make_stub()
