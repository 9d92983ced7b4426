# Copyright (c) rskd_mm contributors. All rights reserved.
"""``pkg::`` config bases resolve without pkg_resources."""
import importlib.metadata
import os.path as osp

import pytest
from mmengine.config import Config

from rskd_mm.compat import package_utils


def test_get_installed_path_finds_packages():
    path = package_utils.get_installed_path('mmpretrain')
    assert osp.isfile(osp.join(path, '__init__.py'))
    assert osp.isdir(osp.join(path, '.mim', 'configs'))
    # distribution name differs from the module name
    path = package_utils.get_installed_path('mmsegmentation')
    assert osp.basename(path) == 'mmseg'
    assert osp.isfile(osp.join(path, '__init__.py'))


def test_package2module():
    assert package_utils.package2module('mmsegmentation') == 'mmseg'
    assert package_utils.package2module('mmpretrain') == 'mmpretrain'
    with pytest.raises(ValueError, match='not installed'):
        package_utils.package2module('surely-not-installed-pkg')


def test_is_installed():
    assert package_utils.is_installed('mmpretrain')
    assert package_utils.is_installed('mmsegmentation')
    assert not package_utils.is_installed('surely_not_installed_pkg')


def test_missing_package_raises():
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        package_utils.get_installed_path('surely_not_installed_pkg')


def test_needed_matches_pkg_resources_availability():
    try:
        import pkg_resources  # noqa: F401
        available = True
    except ImportError:
        available = False
    assert package_utils.needed() is (not available)


def test_scoped_base_config_loads(tmp_path):
    """What the fix is for: an ``mmpretrain::`` base in a config."""
    if package_utils.needed():
        import mmengine.config.config as mm_config
        assert mm_config.get_installed_path is \
            package_utils.get_installed_path
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text("_base_ = ['mmpretrain::_base_/models/resnet18.py']\n"
                        'model = dict(head=dict(num_classes=7))\n')
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.backbone.type == 'ResNet'
    assert cfg.model.head.num_classes == 7
