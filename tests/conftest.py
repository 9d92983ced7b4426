# Copyright (c) rskd_mm contributors. All rights reserved.
"""Shared fixtures: tiny generated data sets and clean mmengine globals."""
import os
import os.path as osp
import socket

import pytest

import rskd_mm  # noqa: F401  (compatibility layer first)
from rskd_mm.datasets import (generate_scene_dataset,
                              generate_segmentation_dataset)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.join(REPO_ROOT, '..', 'shared', 'data')


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='session')
def tiny_scene_root(tmp_path_factory):
    """8 classes x (6 train, 2 val, 2 test) images of 32x32 px."""
    root = str(tmp_path_factory.mktemp('scene'))
    generate_scene_dataset(root, num_per_class=(6, 2, 2), size=32, seed=0)
    return root


@pytest.fixture(scope='session')
def tiny_seg_root(tmp_path_factory):
    """4 train and 2 val tiles of 64x64 px."""
    root = str(tmp_path_factory.mktemp('seg'))
    generate_segmentation_dataset(root, num_images=(4, 2), size=64, seed=0)
    return root


@pytest.fixture
def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def clean_mmengine_globals():
    """Clear mmengine's global singletons (as RunnerTestCase does)."""
    yield
    from mmengine.config import Config  # noqa: F401
    from mmengine.logging import MessageHub, MMLogger
    from mmengine.registry import DefaultScope
    from mmengine.visualization import Visualizer
    for cls in (MessageHub, MMLogger, Visualizer, DefaultScope):
        cls._instance_dict.clear()


def shared_data_path(*parts):
    """Path under ../shared/data, or skip the test when it is absent."""
    path = osp.join(SHARED_DATA, *parts)
    if not osp.exists(path):
        pytest.skip(f'real data not available: {osp.normpath(path)} is '
                    'absent (it is only on the project machines)')
    return path


def subprocess_env(**extra):
    """Environment for tool subprocesses (CPU only, as on CI)."""
    env = dict(os.environ)
    env['CUDA_VISIBLE_DEVICES'] = ''
    env.update(extra)
    return env


def _train_demo_model(config, root, work_dir):
    """Train a demo config on the tiny scene set; return its checkpoint."""
    from .test_tools import last_checkpoint, run_tool, scene_options
    run_tool([
        'tools/train.py', config, '--work-dir', work_dir, '--cfg-options',
        *scene_options(root)
    ])
    return last_checkpoint(work_dir)


@pytest.fixture(scope='module')
def trained_teacher(tiny_scene_root, tmp_path_factory):
    """The CNN teacher of the demo configs, trained once per test module."""
    from .test_tools import TEACHER
    return _train_demo_model(TEACHER, tiny_scene_root,
                             str(tmp_path_factory.mktemp('teacher')))


@pytest.fixture(scope='module')
def trained_vit(tiny_scene_root, tmp_path_factory):
    """The ViT teacher member of the demo configs, trained once per module."""
    from .test_tools import VIT
    return _train_demo_model(VIT, tiny_scene_root,
                             str(tmp_path_factory.mktemp('vit')))
