# Copyright (c) rskd_mm contributors. All rights reserved.
"""Distributed runs through mmengine on machines without CUDA.

mmengine 0.10.7 (``mmengine.dist.utils``) calls ``torch.cuda.set_device`` for
``--launcher pytorch``, ``slurm`` and ``mpi``, and ``Runner.wrap_model`` gives
DDP ``device_ids=[LOCAL_RANK]``; both fail when the model is on the CPU. The
configs keep OpenMMLab's default ``dist_cfg=dict(backend='nccl')``.

With this fix, and only when CUDA is not available:

* the launchers skip ``set_device`` and use the ``gloo`` backend (``nccl`` has
  no CPU support), so ``bash tools/dist_train.sh CONFIG 2`` works on a CPU
  machine without any config change;
* ``MMDistributedDataParallel`` drops ``device_ids`` for a module whose
  parameters are on the CPU, as torch requires.

On CUDA machines nothing changes.

Targets: mmengine <= 0.10.7, any torch.
"""
import functools

import torch


def _cpu_only() -> bool:
    return not torch.cuda.is_available()


def _gloo(backend):
    return 'gloo' if backend in (None, 'nccl') else backend


def _without_set_device(init_fn):
    """Run an mmengine launcher with ``set_device`` a no-op and gloo."""

    @functools.wraps(init_fn)
    def wrapper(backend, *args, **kwargs):
        if not _cpu_only():
            return init_fn(backend, *args, **kwargs)
        if _gloo(backend) != backend:
            import logging

            from mmengine.logging import print_log
            print_log(
                f'rskd_mm: CUDA is not available; using the gloo backend '
                f'instead of {backend} for distributed training on the CPU.',
                logger='current',
                level=logging.WARNING)
        original = torch.cuda.set_device
        torch.cuda.set_device = lambda *a, **k: None
        try:
            return init_fn(_gloo(backend), *args, **kwargs)
        finally:
            torch.cuda.set_device = original

    wrapper.__rskd_mm_patched__ = True
    return wrapper


def needed() -> bool:
    from mmengine.dist import utils as dist_utils
    return not getattr(dist_utils._init_dist_pytorch, '__rskd_mm_patched__',
                       False)


def apply() -> None:
    from mmengine.dist import utils as dist_utils
    for name in ('_init_dist_pytorch', '_init_dist_slurm', '_init_dist_mpi'):
        setattr(dist_utils, name,
                _without_set_device(getattr(dist_utils, name)))

    from mmengine.model.wrappers import MMDistributedDataParallel
    original_init = MMDistributedDataParallel.__init__

    @functools.wraps(original_init)
    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        device_ids = kwargs.get('device_ids')
        if device_ids is not None and all(p.device.type == 'cpu'
                                          for p in module.parameters()):
            kwargs['device_ids'] = None
            kwargs.pop('output_device', None)
        original_init(
            self,
            module=module,
            detect_anomalous_params=detect_anomalous_params,
            **kwargs)

    MMDistributedDataParallel.__init__ = __init__
