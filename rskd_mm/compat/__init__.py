# Copyright (c) rskd_mm contributors. All rights reserved.
"""Compatibility layer for the dependency stack.

rskd_mm targets a current torch (tested: 2.14) with the last OpenMMLab
releases (mmengine 0.10.7, mmcv 2.1.0, mmpretrain 1.2.0, mmsegmentation
1.2.2, mmrazor 1.0.0). Those releases predate several torch and setuptools
changes. Every workaround lives in its own module here, says which versions it
targets, patches objects in memory only (nothing in site-packages is edited)
and is covered by ``tests/test_compat``:

==========================  ==================================================
module                      problem fixed
==========================  ==================================================
``mmrazor_quantization``    mmrazor 1.0.0 does not import on torch >= 2.1:
                            its quantization backend configs use torch.ao
                            APIs that torch removed.
``package_utils``           mmengine 0.10.7 resolves ``mmpretrain::`` style
                            config bases with ``pkg_resources``, which
                            setuptools >= 81 (required by torch >= 2.9
                            through setuptools >= 77) no longer ships.
``checkpoint``              torch >= 2.6 loads with ``weights_only=True``;
                            mmengine checkpoints hold non-tensor state
                            (meta, message hub), so loading and ``--resume``
                            fail. Loads stay weights-only with the exact
                            allow-list those checkpoints need; anything else
                            is refused before its code runs.
``cpu_dist``                mmengine always calls ``torch.cuda.set_device``
                            and gives DDP ``device_ids`` when launched with
                            ``--launcher pytorch|slurm|mpi``: distributed
                            runs fail on machines without CUDA. Without CUDA
                            the backend becomes ``gloo``.
``atomic_files``            mmengine writes checkpoints and
                            ``last_checkpoint`` in place: a crash during the
                            write leaves a truncated file that ``--resume``
                            trusts. Writes go to a temporary file that is
                            renamed into place.
==========================  ==================================================

:func:`apply_all` is called by ``import rskd_mm`` before anything imports
mmrazor, and is idempotent. :data:`APPLIED` records what was patched.
"""
from typing import Dict

from . import (atomic_files, checkpoint, cpu_dist, mmrazor_quantization,
               package_utils)

#: name -> one-line description of each fix applied in this process.
APPLIED: Dict[str, str] = {}

_FIXES = (
    ('mmrazor_quantization', mmrazor_quantization),
    ('package_utils', package_utils),
    ('checkpoint', checkpoint),
    ('cpu_dist', cpu_dist),
    ('atomic_files', atomic_files),
)


def apply_all() -> Dict[str, str]:
    """Apply every fix that the installed versions need (idempotent).

    Returns:
        dict: name -> description of the fixes applied in this process.
    """
    for name, module in _FIXES:
        if name in APPLIED:
            continue
        if module.needed():
            module.apply()
            APPLIED[name] = module.__doc__.strip().splitlines()[0]
    return dict(APPLIED)


__all__ = ['apply_all', 'APPLIED']
