# Copyright (c) rskd_mm contributors. All rights reserved.
"""Masks with labels outside the classes are named with their file."""
import numpy as np
import pytest

from rskd_mm.datasets import RSKDCheckSegLabels, SegLabelError


def test_valid_mask_passes():
    t = RSKDCheckSegLabels(num_classes=5)
    seg = np.array([[0, 4], [255, 2]], dtype=np.uint8)
    assert t(dict(gt_seg_map=seg, seg_map_path='a.png'))['gt_seg_map'] is seg


def test_bad_labels_name_file_and_values():
    t = RSKDCheckSegLabels(num_classes=5)
    seg = np.array([[0, 7], [9, 255]], dtype=np.uint8)
    with pytest.raises(SegLabelError, match=r'tile_3\.png.*\[7, 9\]'):
        t(dict(gt_seg_map=seg, seg_map_path='ann_dir/tile_3.png'))


def test_misplaced_in_pipeline_and_bad_args():
    with pytest.raises(KeyError, match='after LoadAnnotations'):
        RSKDCheckSegLabels(num_classes=5)(dict(img=np.zeros((2, 2, 3))))
    with pytest.raises(ValueError, match='num_classes'):
        RSKDCheckSegLabels(num_classes=0)


def test_dataset_pipeline_reports_the_file(tiny_seg_root, tmp_path):
    """Through mmseg's dataset: a corrupted mask stops the run by name."""
    import shutil

    import cv2
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    root = tmp_path / 'seg'
    shutil.copytree(tiny_seg_root, root)
    masks = sorted((root / 'ann_dir' / 'train').iterdir())
    bad = masks[1]
    m = cv2.imread(str(bad), cv2.IMREAD_UNCHANGED)
    m[0, 0] = 17
    cv2.imwrite(str(bad), m)
    init_default_scope('mmseg')
    ds = DATASETS.build(
        dict(
            type='BaseSegDataset',
            data_root=str(root),
            img_suffix='.png',
            seg_map_suffix='.png',
            metainfo=dict(classes=('a', 'b', 'c', 'd', 'e')),
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='RSKDCheckSegLabels', num_classes=5)
            ]))
    ds[0]
    with pytest.raises(SegLabelError, match=bad.name + r'.*\[17\]'):
        ds[1]
