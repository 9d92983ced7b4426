# Copyright (c) rskd_mm contributors. All rights reserved.
"""Versions of the dependency stack, for bug reports and logs."""
import importlib.metadata as metadata
from collections import OrderedDict

#: Distributions reported after mmengine's system information.
STACK = ('mmengine', 'mmcv', 'mmpretrain', 'mmsegmentation', 'mmrazor', 'timm',
         'numpy', 'opencv-python', 'setuptools')


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return 'not installed'


def collect_env() -> 'OrderedDict[str, str]':
    """System, torch and OpenMMLab stack information, plus rskd_mm's own.

    Uses :func:`mmengine.utils.dl_utils.collect_env` for the system, CUDA and
    compiler details, then adds every package of the stack, whether mmcv's
    compiled ops load, and the compatibility fixes applied in this process.
    """
    from mmengine.utils.dl_utils import collect_env as mm_collect_env

    import rskd_mm
    from rskd_mm.compat import APPLIED

    env = OrderedDict(mm_collect_env())
    for dist in STACK:
        env[dist] = _version(dist)
    try:
        from mmcv.ops import get_compiler_version, get_compiling_cuda_version
        env['mmcv ops'] = (f'compiled (compiler {get_compiler_version()}, '
                           f'CUDA {get_compiling_cuda_version()})')
    except Exception as exc:  # pragma: no cover - reported, not raised
        env['mmcv ops'] = f'NOT available: {exc}'
    env['rskd_mm'] = rskd_mm.__version__
    env['rskd_mm compat fixes'] = ', '.join(APPLIED) or 'none'
    return env
