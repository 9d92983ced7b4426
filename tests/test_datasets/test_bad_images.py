# Copyright (c) rskd_mm contributors. All rights reserved.
"""A corrupt or truncated image is named; on_corrupt='skip' skips and counts
it."""
import shutil

import pytest
from mmengine.registry import init_default_scope

from rskd_mm.datasets.transforms import SKIPPED_IMAGES, CorruptImageError


def _dataset(root, **load_args):
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    return DATASETS.build(
        dict(
            type='CustomDataset',
            data_root=root,
            data_prefix='images',
            ann_file='meta/train.txt',
            pipeline=[
                dict(type='RSKDLoadImageFromFile', **load_args),
                dict(type='PackInputs')
            ]))


@pytest.mark.parametrize('damage', ['garbage', 'truncated'])
def test_corrupt_image_is_named(tiny_scene_root, tmp_path, damage):
    root = str(tmp_path / 'scene')
    shutil.copytree(tiny_scene_root, root)
    ds = _dataset(root)
    victim = ds.get_data_info(2)['img_path']
    data = open(victim, 'rb').read()
    with open(victim, 'wb') as f:
        f.write(b'not an image' if damage == 'garbage' else data[:40])
    ds[0]
    with pytest.raises(CorruptImageError, match=victim):
        ds[2]
    # skip: another (random) sample is served and the file is counted (more
    # than once if the random refetch lands on it again)
    SKIPPED_IMAGES.clear()
    assert _dataset(root, on_corrupt='skip')[2]['inputs'].shape[0] == 3
    assert SKIPPED_IMAGES[victim] >= 1
    assert set(SKIPPED_IMAGES) == {victim}


def test_bad_option():
    from rskd_mm.datasets.transforms import RSKDLoadImageFromFile
    with pytest.raises(ValueError, match='on_corrupt'):
        RSKDLoadImageFromFile(on_corrupt='ignore')
