# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmengine's launchers and DDP wrapper work without CUDA (gloo)."""
import pytest
import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.dist import init_dist
from mmengine.dist import utils as dist_utils
from mmengine.model import MMDistributedDataParallel


@pytest.fixture
def single_process_env(monkeypatch, free_port):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port))
    yield
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def test_launchers_are_patched():
    for name in ('_init_dist_pytorch', '_init_dist_slurm', '_init_dist_mpi'):
        assert getattr(getattr(dist_utils, name), '__rskd_mm_patched__')


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_pytorch_launcher_uses_gloo_without_cuda(single_process_env):
    # The configs keep OpenMMLab's default backend, nccl.
    init_dist('pytorch', backend='nccl')
    assert torch_dist.is_initialized()
    assert torch_dist.get_backend() == 'gloo'
    # and the DDP wrapper accepts a CPU module with the runner's device_ids
    model = nn.Linear(4, 2)
    ddp = MMDistributedDataParallel(module=model, device_ids=[0])
    out = ddp(torch.randn(3, 4))
    out.sum().backward()
    assert model.weight.grad is not None
