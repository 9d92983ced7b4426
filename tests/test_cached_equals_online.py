# Copyright (c) rskd_mm contributors. All rights reserved.
"""Cached KD equals online KD, step by step.

For the same sequence of (image, draw) batches, served by the fast-KD data
loader (``RSKDTeacherDrawSampler`` + ``RSKDTeacherOutputDataset``), the
online distiller (which runs the hybrid ensemble teacher on each view) and
the cached distiller (which reads the teacher's outputs from the cache
built by ``tools/cache_teacher_outputs.py``) give the same KD loss and the
same student gradients, over several SGD steps and across an epoch
boundary, with persistent and non-persistent workers, for the EuroSAT
pipeline (flips) and a RandomResizedCrop pipeline (float32 storage, the
default; float16 storage is the float32 cache rounded).
"""
import copy
import importlib.util
import os.path as osp

import pytest
import torch

from .conftest import REPO_ROOT

# exact replay (target='draw'; the default fastkd-hmkd_ configs average the
# draws instead) with logit standardisation, the loss most sensitive to
# rounding of the cached outputs
HMKD = osp.join(REPO_ROOT, 'configs', 'hmkd',
                'lskd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py')
FASTKD = osp.join(
    REPO_ROOT, 'configs', 'fastkd',
    'fastkd-lskd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py')

PIPELINES = {
    # configs/_base_/datasets/eurosat-64px.py
    'eurosat': [
        dict(type='LoadImageFromFile'),
        dict(
            type='RandomFlip',
            prob=[0.25, 0.25],
            direction=['horizontal', 'vertical']),
        dict(type='PackInputs'),
    ],
    'random_resized_crop': [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.3, 1.0)),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackInputs'),
    ],
}


def _load_tool(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def member_ckpts(tmp_path_factory):
    """Random-weight checkpoints of the two ensemble members."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import rskd_mm  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(HMKD)
    out = tmp_path_factory.mktemp('members')
    paths = []
    torch.manual_seed(0)
    for i, member in enumerate(cfg.model.teacher.members):
        model = MODELS.build(member['model'])
        path = str(out / f'member{i}.pth')
        torch.save(dict(state_dict=model.state_dict()), path)
        paths.append(path)
    return paths


def _config(tmp_path, pipeline):
    """The demo fast-KD config with the pipeline under test."""
    path = tmp_path / f'fastkd_{pipeline}.py'
    path.write_text(f'_base_ = [{FASTKD!r}]\n'
                    'train_dataloader = dict(dataset=dict(dataset=dict(\n'
                    f'    pipeline={PIPELINES[pipeline]!r})))\n')
    return str(path)


def _options(root, ckpts, cache, workers=0, persistent=False):
    return {
        'train_dataloader.dataset.dataset.data_root': root,
        'train_dataloader.dataset.num_draws': 3,
        'train_dataloader.dataset.cache_dir': cache,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': workers,
        'train_dataloader.persistent_workers': persistent,
        'model.teacher_cache': cache,
        'model.teacher.members.0.checkpoint': ckpts[0],
        'model.teacher.members.1.checkpoint': ckpts[1],
    }


def _build_cache(config, root, ckpts, cache, dtype):
    """The cache, built by tools/cache_teacher_outputs.py (in-process)."""
    tool = _load_tool('cache_teacher_outputs',
                      osp.join(REPO_ROOT, 'tools', 'cache_teacher_outputs.py'))
    opts = _options(root, ckpts, cache)
    tool.main([
        config, '--out', cache, '--dtype', dtype, '--batch-size', '16',
        '--cfg-options'
    ] + [f'{k}={v}' for k, v in opts.items()])


def _models_and_loader(config, root, ckpts, cache, workers, persistent):
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import Runner

    import rskd_mm  # noqa: F401
    init_default_scope('mmpretrain')
    opts = _options(root, ckpts, cache, workers, persistent)
    fast = Config.fromfile(config)
    fast.merge_from_dict(opts)
    online_cfg = Config.fromfile(HMKD)
    online_cfg.merge_from_dict(
        {k: v
         for k, v in opts.items() if k.startswith('model.teacher.')})
    online = MODELS.build(online_cfg.model)
    cached = MODELS.build(fast.model)
    cached.architecture.load_state_dict(online.architecture.state_dict())
    loader = Runner.build_dataloader(fast.train_dataloader, seed=0)
    return online, cached, loader


def _step(model, batch, optimizer):
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    optimizer.zero_grad()
    total.backward()
    grads = {
        n: p.grad.detach().clone()
        for n, p in model.architecture.named_parameters() if p.grad is not None
    }
    kd = [v for k, v in losses.items() if k.startswith('distill.')][0]
    optimizer.step()
    return kd.detach(), grads


def _compare(online, cached, loader, epochs=(0, 1), steps=3):
    """Run both models on the same batches; return the largest relative
    differences of the KD loss and of the student gradients.

    Each step starts the cached student from the online student's weights:
    the teacher's outputs on a view differ between the cache (built in
    batches of 16) and the online teacher (batches of 8) by float rounding
    (about 1e-7 relative, batch-size dependent CPU kernels), and plain SGD on
    this tiny, untrained set amplifies any difference by orders of
    magnitude per step; the comparison is of the targets and the gradients
    they give, step after step, not of that amplification."""
    opt_on = torch.optim.SGD(online.architecture.parameters(), lr=0.05)
    opt_ca = torch.optim.SGD(cached.architecture.parameters(), lr=0.05)
    online.train()
    cached.train()
    loss_diff, grad_diff, n = 0.0, 0.0, 0
    served = []
    for epoch in epochs:  # across an epoch boundary
        loader.sampler.set_epoch(epoch)
        for i, batch in enumerate(loader):
            if i == steps:
                break
            served.append([s.teacher_draw for s in batch['data_samples']])
            cached.architecture.load_state_dict(
                online.architecture.state_dict())
            kd_on, g_on = _step(online, batch, opt_on)
            kd_ca, g_ca = _step(cached, batch, opt_ca)
            loss_diff = max(loss_diff,
                            (kd_on - kd_ca).abs().item() / kd_on.abs().item())
            assert g_on.keys() == g_ca.keys()
            # relative to the whole gradient: a tensor whose gradient is 0
            # in exact arithmetic (the bias of a BN that feeds another BN)
            # holds only rounding noise, which no per-tensor scale can take
            on = torch.cat([g_on[k].flatten() for k in g_on])
            ca = torch.cat([g_ca[k].flatten() for k in g_on])
            grad_diff = max(grad_diff, ((on - ca).norm() / on.norm()).item())
            n += 1
    assert n == len(epochs) * steps
    # the draws served in the two epochs differ (the sampler's epoch counts)
    assert served[:steps] != served[steps:]
    return loss_diff, grad_diff


@pytest.mark.parametrize('pipeline', ['eurosat', 'random_resized_crop'])
@pytest.mark.parametrize('workers,persistent', [(0, False), (2, False),
                                                (2, True)])
def test_cached_kd_equals_online_kd(tiny_scene_root, member_ckpts, tmp_path,
                                    pipeline, workers, persistent):
    cache = str(tmp_path / 'cache')
    config = _config(tmp_path, pipeline)
    _build_cache(config, tiny_scene_root, member_ckpts, cache, 'float32')
    online, cached, loader = _models_and_loader(config, tiny_scene_root,
                                                member_ckpts, cache, workers,
                                                persistent)
    loss_diff, grad_diff = _compare(online, cached, loader)
    # float32 cache: the same numbers up to float summation order
    assert loss_diff < 1e-5, loss_diff
    assert grad_diff < 1e-4, grad_diff


def test_float16_cache_is_the_rounded_float32_cache(tiny_scene_root,
                                                    member_ckpts, tmp_path):
    """float16 storage changes nothing but the rounding of each logit.

    It is not the default: logit standardisation divides that rounding by
    the logits' spread, and for this untrained, near-uniform teacher the
    cached KD loss then differs from online KD by tens of percent (measured
    when this test was written: 38% over 6 steps), while float32 is exact.
    """
    from rskd_mm.datasets import TeacherCache
    config = _config(tmp_path, 'random_resized_crop')
    caches = {}
    for dtype in ('float16', 'float32'):
        path = str(tmp_path / dtype)
        _build_cache(config, tiny_scene_root, member_ckpts, path, dtype)
        caches[dtype] = TeacherCache(path, mode='r')
    meta = caches['float32'].meta
    n, k = meta['num_samples'], meta['num_draws']
    assert (n, k) == (48, 3)
    for i in range(n):
        for d in range(k):
            exact = caches['float32'].read(i, d)
            half = caches['float16'].read(i, d)
            assert torch.equal(half, exact.half().float())
