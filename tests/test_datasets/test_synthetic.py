# Copyright (c) rskd_mm contributors. All rights reserved.
import filecmp
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from rskd_mm.datasets import (SCENE_CLASSES, SEG_CLASSES,
                              generate_scene_dataset, render_scene,
                              render_segmentation)


def test_render_scene_is_deterministic_and_keyed():
    a = render_scene('forest', seed=0, split='train', index=3)
    b = render_scene('forest', seed=0, split='train', index=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, render_scene('forest', 1, 'train', 3))
    assert not np.array_equal(a, render_scene('forest', 0, 'train', 4))
    assert not np.array_equal(a, render_scene('forest', 0, 'val', 3))


def test_unknown_class_is_named():
    with pytest.raises(KeyError, match='glacier'):
        render_scene('glacier', 0, 'train', 0)


def test_classes_differ_on_average():
    """Per-class mean colours are distinct: the classes are learnable."""
    means = np.stack([
        np.mean(
            [render_scene(c, 0, 'train', i).mean((0, 1)) for i in range(8)],
            axis=0) for c in SCENE_CLASSES
    ])
    d = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert d[np.triu_indices(len(SCENE_CLASSES), 1)].max() > 20


def test_scene_dataset_layout(tmp_path):
    root = str(tmp_path / 'scene')
    counts = generate_scene_dataset(root, num_per_class=(3, 1, 2), size=32)
    n = len(SCENE_CLASSES)
    assert counts == dict(train=3 * n, val=n, test=2 * n)
    with open(osp.join(root, 'meta', 'classes.txt')) as f:
        assert tuple(f.read().split()) == SCENE_CLASSES
    names = {}
    for split in ('train', 'val', 'test'):
        with open(osp.join(root, 'meta', f'{split}.txt')) as f:
            lines = f.read().splitlines()
        assert len(lines) == counts[split]
        for line in lines:
            rel, label = line.split()
            assert rel.split('/')[0] == SCENE_CLASSES[int(label)]
            img = Image.open(osp.join(root, 'images', rel))
            assert img.size == (32, 32) and img.mode == 'RGB'
            names.setdefault(split, set()).add(rel)
    assert not names['train'] & names['test']


def test_scene_dataset_is_reproducible(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_scene_dataset(a, num_per_class=(2, 1, 1), size=32, seed=5)
    generate_scene_dataset(b, num_per_class=(2, 1, 1), size=32, seed=5)
    cmp = filecmp.dircmp(
        osp.join(a, 'images', 'river'), osp.join(b, 'images', 'river'))
    assert cmp.left_list == cmp.right_list and cmp.left_list
    _, mismatch, errors = filecmp.cmpfiles(
        osp.join(a, 'images', 'river'),
        osp.join(b, 'images', 'river'),
        cmp.left_list,
        shallow=False)
    assert not mismatch and not errors


def test_scene_dataset_loads_in_mmpretrain(tiny_scene_root):
    from mmengine.registry import init_default_scope
    from mmpretrain.datasets import CustomDataset
    init_default_scope('mmpretrain')
    ds = CustomDataset(
        data_root=tiny_scene_root,
        ann_file='meta/train.txt',
        data_prefix='images',
        metainfo=dict(classes=SCENE_CLASSES),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='PackInputs')])
    assert len(ds) == 6 * len(SCENE_CLASSES)
    item = ds[0]
    assert item['inputs'].shape == (3, 32, 32)
    assert item['data_samples'].gt_label.item() == 0


def test_segmentation_render():
    img, mask = render_segmentation(0, 'train', 0, size=64)
    assert img.shape == (64, 64, 3) and mask.shape == (64, 64)
    labels = set(np.unique(mask).tolist())
    assert labels <= set(range(len(SEG_CLASSES))) | {255}
    assert len(labels - {255}) >= 3
    img2, mask2 = render_segmentation(0, 'train', 0, size=64)
    np.testing.assert_array_equal(img, img2)
    np.testing.assert_array_equal(mask, mask2)


def test_segmentation_dataset_loads_in_mmseg(tiny_seg_root):
    from mmengine.registry import init_default_scope
    from mmseg.datasets import BaseSegDataset
    init_default_scope('mmseg')
    assert sorted(os.listdir(osp.join(tiny_seg_root,
                                      'ann_dir'))) == ['train', 'val']
    ds = BaseSegDataset(
        data_root=tiny_seg_root,
        metainfo=dict(classes=SEG_CLASSES),
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ])
    assert len(ds) == 4
    item = ds[0]
    assert item['inputs'].shape == (3, 64, 64)
    seg = item['data_samples'].gt_sem_seg.data
    assert seg.shape == (1, 64, 64)
    assert set(seg.unique().tolist()) <= set(range(len(SEG_CLASSES))) | {255}
