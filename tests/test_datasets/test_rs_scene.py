# Copyright (c) rskd_mm contributors. All rights reserved.
import os
import os.path as osp

import pytest
from PIL import Image

import rskd_mm  # noqa: F401
from rskd_mm.datasets import (AID_CLASSES, EUROSAT_CLASSES, NWPU45_CLASSES,
                              UCM_CLASSES, scan_class_folders,
                              stratified_split, write_splits)
from ..conftest import shared_data_path


def test_class_counts():
    assert len(UCM_CLASSES) == 21 and len(set(UCM_CLASSES)) == 21
    assert len(AID_CLASSES) == 30 and len(set(AID_CLASSES)) == 30
    assert len(NWPU45_CLASSES) == 45 and len(set(NWPU45_CLASSES)) == 45
    assert len(EUROSAT_CLASSES) == 10


def _fake_tree(root, classes, per_class=10):
    for c in classes:
        os.makedirs(osp.join(root, c), exist_ok=True)
        for i in range(per_class):
            Image.new('RGB', (8, 8)).save(osp.join(root, c, f'{c}{i:02d}.tif'))


def test_split_is_stratified_disjoint_and_reproducible(tmp_path):
    root = str(tmp_path / 'Images')
    _fake_tree(root, UCM_CLASSES[:3])
    images = scan_class_folders(root, UCM_CLASSES[:3])
    a = stratified_split(images, 0.5, 0.2, seed=0)
    b = stratified_split(images, 0.5, 0.2, seed=0)
    c = stratified_split(images, 0.5, 0.2, seed=1)
    assert a == b and a != c
    assert [len(a[s]) for s in ('train', 'val', 'test')] == [15, 6, 9]
    files = [line.split()[0] for s in a.values() for line in s]
    assert len(files) == len(set(files)) == 30
    for line in a['train']:
        rel, label = line.split()
        assert rel.split('/')[0] == UCM_CLASSES[int(label)]
    written = write_splits(a, str(tmp_path / 'splits'))
    with open(written['val']) as f:
        assert f.read().splitlines() == a['val']


def test_scan_names_missing_and_unexpected_folders(tmp_path):
    root = str(tmp_path / 'Images')
    _fake_tree(root, ['agricultural', 'airplane', 'mystery'], per_class=2)
    with pytest.raises(ValueError) as err:
        scan_class_folders(root, UCM_CLASSES)
    assert "'beach'" in str(err.value) and "'mystery'" in str(err.value)
    with pytest.raises(FileNotFoundError, match='nowhere'):
        scan_class_folders(str(tmp_path / 'nowhere'))


def test_bad_ratios_are_named():
    with pytest.raises(ValueError, match='train_ratio'):
        stratified_split({'a': ['a/1.png', 'a/2.png']}, 1.2)


def test_dataset_classes_are_registered(tmp_path):
    from mmpretrain.registry import DATASETS
    root = str(tmp_path / 'Images')
    _fake_tree(root, UCM_CLASSES, per_class=1)
    ds = DATASETS.build(
        dict(
            type='UCMerced',
            data_root=str(tmp_path),
            data_prefix='Images',
            pipeline=[]))
    assert ds.metainfo['classes'] == UCM_CLASSES
    assert len(ds) == 21
    for name in ('AID', 'NWPURESISC45', 'EuroSAT'):
        assert DATASETS.get(name) is not None


def test_real_eurosat_annotation_files_load():
    root = shared_data_path('eurosat_rgb')
    from mmpretrain.registry import DATASETS
    ds = DATASETS.build(
        dict(
            type='EuroSAT',
            data_root=root,
            data_prefix='images',
            ann_file='meta/val.txt',
            pipeline=[]))
    assert len(ds) == 4050
    with open(osp.join(root, 'meta', 'classes.txt')) as f:
        assert tuple(f.read().split()) == EUROSAT_CLASSES
