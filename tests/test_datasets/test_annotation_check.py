# Copyright (c) rskd_mm contributors. All rights reserved.
"""Annotation files are checked when a scene data set is built: every bad
line is reported with the file, its line number and the value at fault."""
import os
import os.path as osp
import shutil

import pytest
from mmpretrain.registry import DATASETS

import rskd_mm  # noqa: F401
from rskd_mm.datasets.annotation_check import (AnnotationError,
                                               check_scene_annotations)
from rskd_mm.datasets.synthetic import SCENE_CLASSES


@pytest.fixture
def scene_copy(tiny_scene_root, tmp_path):
    """A private copy of the tiny scene set whose meta files may be edited."""
    root = str(tmp_path / 'scene')
    shutil.copytree(tiny_scene_root, root)
    return root


def _lines(root, split):
    with open(osp.join(root, 'meta', f'{split}.txt')) as f:
        return f.read().splitlines()


def _write(root, split, lines):
    path = osp.join(root, 'meta', f'{split}.txt')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + ('\n' if lines else ''))
    return path


def test_good_file_parses(scene_copy):
    ann = osp.join(scene_copy, 'meta', 'train.txt')
    samples = check_scene_annotations(
        ann, osp.join(scene_copy, 'images'), classes=SCENE_CLASSES)
    assert len(samples) == len(_lines(scene_copy, 'train')) == 48
    assert all(0 <= label < 8 for _, label in samples)


def test_every_bad_label_is_named_with_its_line(scene_copy):
    lines = _lines(scene_copy, 'train')
    name3 = lines[2].split()[0]
    name7 = lines[6].split()[0]
    lines[2] = f'{name3} 12'
    lines[6] = f'{name7} -1'
    ann = _write(scene_copy, 'train', lines)
    with pytest.raises(AnnotationError) as err:
        check_scene_annotations(
            ann, osp.join(scene_copy, 'images'), num_classes=8)
    msg = str(err.value)
    assert ann in msg
    assert '2 bad line(s)' in msg
    assert 'label outside 0..7 (2)' in msg
    assert f'line 3: {name3} 12' in msg and f'line 7: {name7} -1' in msg


def test_missing_image_duplicate_and_format_are_reported_together(scene_copy):
    lines = _lines(scene_copy, 'train')
    lines.append('forest/does_not_exist.png 5')
    lines.append(lines[0])  # listed twice
    lines.append('no_label_here.png')
    lines.append('water/x.png seven')
    ann = _write(scene_copy, 'train', lines)
    with pytest.raises(AnnotationError) as err:
        check_scene_annotations(
            ann, osp.join(scene_copy, 'images'), num_classes=8)
    msg = str(err.value)
    # a line is counted once, by its first fault (water/x.png's label)
    assert '4 bad line(s) of 52' in msg
    assert 'image not found (1)' in msg
    assert 'does_not_exist.png' in msg and 'line 49' in msg
    assert 'file listed twice (1): line 50' in msg
    assert "(first on line 1)" in msg
    assert "not \"<file> <label>\" (1): line 51: 'no_label_here.png'" in msg
    assert "label is not an integer (1): line 52: 'seven'" in msg


def test_long_lists_are_counted_not_all_printed(scene_copy):
    lines = [f'{line.split()[0]} 99' for line in _lines(scene_copy, 'train')]
    ann = _write(scene_copy, 'train', lines)
    with pytest.raises(AnnotationError) as err:
        check_scene_annotations(
            ann, osp.join(scene_copy, 'images'), num_classes=8)
    msg = str(err.value)
    assert '48 bad line(s) of 48' in msg
    assert 'label outside 0..7 (48)' in msg and '... and 43 more' in msg


def test_empty_split(scene_copy):
    ann = _write(scene_copy, 'val', ['', '  '])
    with pytest.raises(AnnotationError, match='the split is empty'):
        check_scene_annotations(ann, osp.join(scene_copy, 'images'))
    with pytest.raises(FileNotFoundError, match='nowhere.txt'):
        check_scene_annotations(osp.join(scene_copy, 'nowhere.txt'))


def test_classes_file_must_agree_with_the_config(scene_copy):
    ann = osp.join(scene_copy, 'meta', 'train.txt')
    classes = list(SCENE_CLASSES)
    classes[1], classes[2] = classes[2], classes[1]
    with open(osp.join(scene_copy, 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(SCENE_CLASSES) + '\n')
    with pytest.raises(AnnotationError) as err:
        check_scene_annotations(
            ann, osp.join(scene_copy, 'images'), classes=classes)
    msg = str(err.value)
    assert 'classes.txt' in msg and ann in msg
    assert f'label 1: {SCENE_CLASSES[1]!r} in classes.txt' in msg


@pytest.mark.parametrize('type_', ['RSKDSceneDataset', 'EuroSAT'])
def test_dataset_build_fails_before_training(scene_copy, type_):
    lines = _lines(scene_copy, 'train')
    lines[4] = lines[4].split()[0] + ' 12'
    ann = _write(scene_copy, 'train', lines)
    cfg = dict(
        type=type_,
        data_root=scene_copy,
        data_prefix='images',
        ann_file='meta/train.txt',
        pipeline=[])
    if type_ == 'RSKDSceneDataset':
        cfg['metainfo'] = dict(classes=SCENE_CLASSES)
    else:
        # EuroSAT has 10 classes: label 12 is still out of range; the
        # generated classes.txt (8 demo names) goes, so only the label is
        # at fault
        os.remove(osp.join(scene_copy, 'meta', 'classes.txt'))
    with pytest.raises(AnnotationError) as err:
        DATASETS.build(cfg)
    assert ann in str(err.value) and 'line 5' in str(err.value)


def test_scene_dataset_reads_classes_txt(scene_copy):
    ds = DATASETS.build(
        dict(
            type='RSKDSceneDataset',
            data_root=scene_copy,
            data_prefix='images',
            ann_file='meta/val.txt',
            pipeline=[]))
    assert ds.CLASSES == tuple(SCENE_CLASSES) and len(ds) == 16
    os.remove(osp.join(scene_copy, 'meta', 'classes.txt'))
    with pytest.raises(FileNotFoundError, match='classes.txt'):
        DATASETS.build(
            dict(
                type='RSKDSceneDataset',
                data_root=scene_copy,
                data_prefix='images',
                ann_file='meta/val.txt',
                pipeline=[]))
