# Copyright (c) rskd_mm contributors. All rights reserved.
"""Measure the tensor memory a piece of code allocates."""
from typing import Callable

import torch


def peak_tensor_bytes(fn: Callable[[], object]) -> int:
    """Peak of the tensor allocations made while ``fn`` runs, in bytes.

    Tensors alive before the call (inputs, weights) are not counted: this is
    the memory the code itself allocates, not the process's resident size.
    Uses ``torch.profiler``'s memory timeline (CPU, and CUDA where present).
    """
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        activities.append(ProfilerActivity.CUDA)
    with profile(
            activities=activities,
            profile_memory=True,
            record_shapes=True,
            with_stack=True) as prof:
        fn()
    current = peak = 0
    for _, action, _, size in prof._memory_profile().timeline:
        name = str(action)
        if name.endswith('CREATE'):
            current += size
        elif name.endswith('DESTROY'):
            current -= size
        peak = max(peak, current)
    return peak
