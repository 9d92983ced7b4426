# Copyright (c) rskd_mm contributors. All rights reserved.
import json
import os.path as osp

import numpy as np
import pytest
import torch

import rskd_mm  # noqa: F401
from rskd_mm.datasets import (RSKDTeacherOutputDataset, TeacherCache,
                              TeacherCacheError, draw_seed, seeded_randomness,
                              teacher_fingerprint)

FP = dict(data='d' * 64, pipeline='p' * 64, teacher='t' * 64)


def test_draw_seed_is_stable_and_distinct():
    assert draw_seed(0, 5, 1) == draw_seed(0, 5, 1)
    seeds = {draw_seed(0, i, k) for i in range(50) for k in range(4)}
    assert len(seeds) == 200


def test_seeded_randomness_replays_and_restores():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    with seeded_randomness(7):
        a = (np.random.rand(), torch.rand(1).item())
    with seeded_randomness(7):
        b = (np.random.rand(), torch.rand(1).item())
    assert a == b
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_create_write_complete_read(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 3, 2, 5, FP, seed=1)
    logits = torch.randn(3, 2, 5)
    for i in range(3):
        for k in range(2):
            cache.write(i, k, logits[i, k])
    with pytest.raises(TeacherCacheError, match='incomplete'):
        TeacherCache(str(tmp_path), mode='r')  # written, not yet complete
    cache.mark_complete()
    ro = TeacherCache(str(tmp_path), mode='r')
    # float32 storage (the default): exact
    assert torch.equal(ro.read(2, 1), logits[2, 1])
    assert ro.logits.dtype == np.float32


def test_float16_storage_rounds_each_logit(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 2, 1, 5, FP, dtype='float16')
    logits = torch.randn(2, 1, 5) * 10
    for i in range(2):
        cache.write(i, 0, logits[i, 0])
    cache.mark_complete()
    ro = TeacherCache(str(tmp_path), mode='r')
    assert ro.logits.dtype == np.float16
    assert torch.equal(ro.read(1, 0), logits[1, 0].half().float())
    with pytest.raises(ValueError, match='float16 or float32'):
        TeacherCache.create(str(tmp_path / 'x'), 2, 1, 5, FP, dtype='int8')


def test_partial_cache_is_never_read_as_complete(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 4, 1, 3, FP)
    cache.write(0, 0, torch.zeros(3))
    cache.flush()
    with pytest.raises(TeacherCacheError, match=r'3 of 4 outputs missing'):
        TeacherCache(str(tmp_path), mode='r')
    with pytest.raises(TeacherCacheError, match='cannot mark complete'):
        cache.mark_complete()
    # a meta.json that claims completion does not fool the reader either
    meta = json.load(open(osp.join(str(tmp_path), 'meta.json')))
    meta['complete'] = True
    json.dump(meta, open(osp.join(str(tmp_path), 'meta.json'), 'w'))
    with pytest.raises(TeacherCacheError, match='incomplete'):
        TeacherCache(str(tmp_path), mode='r')


def test_reopening_resumes_and_checks(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 2, 2, 3, FP)
    cache.write(1, 1, torch.ones(3))
    cache.flush()
    again = TeacherCache.create(str(tmp_path), 2, 2, 3, FP)
    assert again.done[1, 1] == 1 and again.done.sum() == 1
    other = dict(FP, teacher='x' * 64)
    with pytest.raises(TeacherCacheError, match='teacher fingerprint'):
        TeacherCache.create(str(tmp_path), 2, 2, 3, other)
    with pytest.raises(TeacherCacheError, match='number of samples'):
        TeacherCache.create(str(tmp_path), 5, 2, 3, FP)


def test_check_names_each_mismatch(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 2, 1, 3, FP)
    for i in range(2):
        cache.write(i, 0, torch.zeros(3))
    cache.mark_complete()
    ro = TeacherCache(str(tmp_path), mode='r')
    with pytest.raises(TeacherCacheError) as err:
        ro.check(
            dict(FP, data='e' * 64, pipeline='q' * 64),
            3,
            num_classes=4,
            num_draws=2)
    msg = str(err.value)
    for part in ('number of samples', 'number of classes', 'num_draws',
                 'data fingerprint', 'pipeline fingerprint'):
        assert part in msg


def test_topk_storage(tmp_path):
    cache = TeacherCache.create(str(tmp_path), 1, 1, 6, FP, topk=2)
    cache.write(0, 0, torch.tensor([0., 5., 1., 4., -2., 0.5]))
    cache.mark_complete()
    out = TeacherCache(str(tmp_path)).read(0, 0)
    assert out[1] == 5 and out[3] == 4
    assert (out[[0, 2, 4, 5]] < 4 - 9).all()
    assert out.argmax() == 1


def test_missing_cache_is_named(tmp_path):
    with pytest.raises(TeacherCacheError, match='cache_teacher_outputs'):
        TeacherCache(str(tmp_path / 'none'))


def test_teacher_fingerprint_follows_weight_contents(tmp_path):
    path = str(tmp_path / 'w.pth')
    torch.save({'w': torch.zeros(2)}, path)
    cfg = dict(type='ImageClassifier', backbone=dict(type='X'))
    a = teacher_fingerprint(cfg, path)
    assert teacher_fingerprint(cfg, path) == a
    torch.save({'w': torch.ones(2)}, path)
    assert teacher_fingerprint(cfg, path) != a
    ens = dict(
        type='RSKDEnsembleTeacher', members=[dict(model=cfg, checkpoint=path)])
    b = teacher_fingerprint(ens, None)
    torch.save({'w': torch.zeros(2)}, path)
    assert teacher_fingerprint(ens, None) != b
    with pytest.raises(TeacherCacheError, match='not found'):
        teacher_fingerprint(cfg, str(tmp_path / 'missing.pth'))


def draw_dataset(root, num_draws=3, **kwargs):
    """The tiny scene set with random crops and flips, K draws."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    return RSKDTeacherOutputDataset(
        dict(
            type='CustomDataset',
            data_root=root,
            ann_file='meta/train.txt',
            data_prefix='images',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='RandomResizedCrop', scale=24),
                dict(type='RandomFlip', prob=0.5),
                dict(type='PackInputs')
            ]),
        num_draws=num_draws,
        **kwargs)


def test_dataset_views_replay_exactly(tiny_scene_root):
    ds = draw_dataset(tiny_scene_root)
    a = ds.get_view(4, 2)['inputs']
    np.random.seed(99)  # other global randomness does not matter
    b = ds.get_view(4, 2)['inputs']
    assert torch.equal(a, b)
    views = [ds.get_view(4, k)['inputs'] for k in range(3)]
    assert not torch.equal(views[0], views[1])
    assert len(ds) == 48
    assert ds.fingerprints() == ds.fingerprints()


class _Draws:
    """The two attributes RSKDTeacherDrawSampler reads."""

    def __init__(self, n, num_draws):
        self.n, self.num_draws = n, num_draws

    def __len__(self):
        return self.n


def _epoch(sampler, epoch):
    sampler.set_epoch(epoch)
    return list(sampler)


def test_draw_sampler_depends_only_on_seed_and_epoch():
    from mmengine.dataset import DefaultSampler

    from rskd_mm.datasets import (RSKDTeacherDrawSampler, epoch_draw,
                                  epoch_view_seed)
    data = _Draws(40, 4)
    a = RSKDTeacherDrawSampler(data, seed=3)
    np.random.seed(1)
    first = _epoch(a, 5)
    # a fresh sampler (a resumed run) in another random state, same epoch
    np.random.seed(2)
    torch.manual_seed(2)
    assert _epoch(RSKDTeacherDrawSampler(data, seed=3), 5) == first
    # the order is DefaultSampler's, the draw a pure function
    order = _epoch(DefaultSampler(data, seed=3), 5)
    assert [i for i, _, _ in first] == order
    assert all(k == epoch_draw(3, 5, i, 4) for i, k, _ in first)
    # every draw is used, and the choice changes between epochs
    assert {k for _, k, _ in first} == {0, 1, 2, 3}
    assert {i: k for i, k, _ in _epoch(a, 6)} != {i: k for i, k, _ in first}
    # the fresh-view seeds (target='mean') are pure functions, new each epoch
    assert all(v == epoch_view_seed(3, 5, i) for i, _, v in first)
    later = _epoch(a, 6)
    assert {i for i, _, _ in later} == {i for i, _, _ in first}
    assert not {v for _, _, v in later} & {v for _, _, v in first}


def test_draw_sampler_ranks_split_the_single_process_epoch():
    from rskd_mm.datasets import RSKDTeacherDrawSampler
    data = _Draws(40, 4)
    single = _epoch(RSKDTeacherDrawSampler(data, seed=0), 2)
    ranks = []
    for rank in range(2):
        s = RSKDTeacherDrawSampler(data, seed=0)
        s.rank, s.world_size = rank, 2
        s.num_samples = len(data) // 2
        s.total_size = len(data)
        ranks.append(_epoch(s, 2))
    # rank r takes every second pair: together, the single-process epoch
    assert ranks[0] == single[0::2] and ranks[1] == single[1::2]


def test_draw_sampler_serves_the_view_of_its_draw(tiny_scene_root):
    from rskd_mm.datasets import RSKDTeacherDrawSampler
    ds = draw_dataset(tiny_scene_root)
    index, draw, _ = next(iter(RSKDTeacherDrawSampler(ds, seed=0)))
    assert torch.equal(ds[(index, draw)]['inputs'],
                       ds.get_view(index, draw)['inputs'])
    with pytest.raises(IndexError, match='draw 3 of sample 1'):
        ds[(1, 3)]
    with pytest.raises(TypeError, match='RSKDTeacherOutputDataset'):
        RSKDTeacherDrawSampler(list(range(4)))


def test_mean_target_serves_seeded_fresh_views(tiny_scene_root, tmp_path):
    """target='mean': the draw-averaged teacher prediction, on a fresh view
    seeded by the sampler (new each epoch, the same in every process)."""
    from rskd_mm.datasets import RSKDTeacherDrawSampler
    plain = draw_dataset(tiny_scene_root)
    n, cache_dir = len(plain), str(tmp_path / 'cache')
    logits = torch.randn(n, 3, 4)
    cache = TeacherCache.create(cache_dir, n, 3, 4,
                                dict(plain.fingerprints(), teacher='t' * 64))
    for i in range(n):
        for k in range(3):
            cache.write(i, k, logits[i, k])
    cache.mark_complete()
    ds = draw_dataset(tiny_scene_root, cache_dir=cache_dir, target='mean')
    sampler = RSKDTeacherDrawSampler(ds, seed=0)
    first, second = _epoch(sampler, 0), _epoch(sampler, 1)
    index, draw, view = first[0]
    a = ds[(index, draw, view)]
    np.random.seed(5)
    torch.manual_seed(5)  # the process's random state does not matter
    b = ds[(index, draw, view)]
    assert torch.equal(a['inputs'], b['inputs'])
    want = torch.log(torch.softmax(logits[index], dim=1).mean(0))
    torch.testing.assert_close(a['data_samples'].teacher_logits, want)
    # a new view in the next epoch (random crops: some image differs)
    views = {i: ds[(i, k, v)]['inputs'] for i, k, v in first[:8]}
    later = {i: ds[(i, k, v)]['inputs'] for i, k, v in second if i in views}
    assert any(not torch.equal(views[i], later[i]) for i in views)
    with pytest.raises(ValueError, match="target='mean' needs a cache_dir"):
        draw_dataset(tiny_scene_root, target='mean')
