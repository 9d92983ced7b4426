# Copyright (c) rskd_mm contributors. All rights reserved.
"""Every config in configs/ parses, and its model builds and runs."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from rskd_mm.utils import online_model_cfg, strip_teacher_checkpoints

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))
BASES = sorted(
    glob.glob(
        osp.join(REPO, 'configs', '_base_', '**', '*.py'), recursive=True))


def test_configs_found():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.relpath(p, REPO))
def test_base_fragment_parses(path):
    Config.fromfile(path)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_pulls_in_the_plugin(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(
        imports=['rskd_mm'], allow_failed_imports=False)
    assert cfg.default_scope in ('mmpretrain', 'mmseg')


def dense_for_sub_model(model_cfg):
    """EDP-CTNet configs build mmrazor's `sub_model` from a pruning run's
    fix_subnet.json (tests/test_tools_seg.py runs that chain); here the
    dense model they prune must build, and the structure file must be the
    one tools/pruning/export_pruned.py writes."""

    def dense(cfg):
        if cfg.get('type') == 'sub_model':
            assert cfg.fix_subnet.endswith('/fix_subnet.json')
            assert cfg.mode == 'mutator'
            return cfg.cfg
        return cfg

    model_cfg = dense(model_cfg)
    if 'architecture' in model_cfg:
        model_cfg.architecture = dense(model_cfg.architecture)
    return model_cfg


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_model_builds_and_runs(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    # Checkpoints of teachers and ensemble members are produced by other
    # configs; building must not need them (strict loading is tested in
    # tests/test_models).
    model_cfg = cfg.model
    if model_cfg.get('type') == 'RSKDCachedTeacherDistill':
        # cached KD needs a built cache (tests/test_tools.py builds one);
        # here: the cache is wired consistently, and the online model the
        # cache is built from builds and runs
        dataset = cfg.train_dataloader.dataset
        assert dataset.type == 'RSKDTeacherOutputDataset'
        assert dataset.cache_dir == model_cfg.teacher_cache
        model_cfg = online_model_cfg(model_cfg)
    model_cfg = dense_for_sub_model(model_cfg)
    model = MODELS.build(strip_teacher_checkpoints(model_cfg))
    model.eval()
    # the training resolution is part of every config name
    size = int(re.search(r'(\d+)px', osp.basename(path)).group(1))
    inputs = torch.rand(2, 3, size, size) * 255
    samples = None
    if cfg.default_scope == 'mmseg':
        from mmseg.structures import SegDataSample
        samples = [
            SegDataSample(
                metainfo=dict(img_shape=(size, size), ori_shape=(size, size)))
            for _ in range(2)
        ]
    data = model.data_preprocessor(
        dict(inputs=list(inputs.unbind(0)), data_samples=samples),
        training=False)
    with torch.no_grad():
        out = model(data['inputs'], mode='tensor')
    if isinstance(out, (list, tuple)):
        out = out[-1]
    assert out.shape[0] == 2
    assert torch.isfinite(out).all()


# The naming rule of configs/README.md.
_TOKEN = r'[a-z0-9]+(?:-[a-z0-9]+)*'
_SCHEDULE = r'\d+xb\d+-\d+[ek]?'
_DATA = r'[a-z0-9]+(?:-[a-z0-9]+)*-\d+px'
NAME_RULES = {
    'model': rf'(?P<model>{_TOKEN})_{_SCHEDULE}_{_DATA}',
    'pruning': rf'(?P<algorithm>{_TOKEN})_(?P<model>{_TOKEN})_'
    rf'{_SCHEDULE}_{_DATA}',
    'distillation': rf'(?P<algorithm>{_TOKEN})_(?P<teacher>{_TOKEN})_'
    rf'(?P<student>{_TOKEN})_{_SCHEDULE}_{_DATA}',
    'evaluation': rf'(?P<model>{_TOKEN})_{_DATA}',
}
FRAGMENT_RULES = {
    'datasets': _DATA,
    'models': rf'{_TOKEN}(?:_{_TOKEN})?',
    'schedules': rf'{_TOKEN}_\d+[ek]?',
    '': r'[a-z0-9]+(?:[-_][a-z0-9]+)*',
}


def name_kind(path):
    """The kind of config a file name says it is, or None."""
    name = osp.splitext(osp.basename(path))[0]
    for kind, rule in NAME_RULES.items():
        if re.fullmatch(rule, name):
            return kind
    return None


def model_kind(cfg):
    """The kind of config its model says it is."""
    mtype = cfg.model.get('type', '')
    mtype = mtype.split('.')[-1]
    if mtype in ('RSKDSingleTeacherDistill', 'RSKDCachedTeacherDistill',
                 'SingleTeacherDistill'):
        return 'distillation'
    if mtype == 'RSKDItePrune':
        return 'pruning'
    if cfg.get('train_dataloader') is None:
        return 'evaluation'
    return 'model'


def test_naming_rule_examples():
    assert name_kind('hmkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py'
                     ) == 'distillation'
    assert name_kind(
        'akd_dpctnet-t_edpctnet-t_1xb8-500_dubai-384px.py') == 'distillation'
    assert name_kind('prune-l1_dpctnet-t_1xb8-100_dubai-384px.py') == 'pruning'
    assert name_kind('resnet18_1xb64-100e_ucm-224px.py') == 'model'
    assert name_kind('ensemble-r18w32-vit-t8_eurosat-64px.py') == 'evaluation'
    # the old student-first form of a distillation config reads as a
    # pruning name; test_config_name_follows_the_rule rejects it because
    # its model is a distiller
    assert name_kind(
        'edpctnet-t-akd_dpctnet-t_1xb8-500_dubai-384px.py') == 'pruning'
    # a missing size, capitals, a schedule without the NxB part, 4 fields
    for bad in ('resnet18_1xb64-100e_ucm.py',
                'ResNet18_1xb64-100e_ucm-224px.py',
                'resnet18_100e_ucm-224px.py',
                'a_b_c_d_1xb8-500_dubai-384px.py'):
        assert name_kind(bad) is None, bad


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_name_follows_the_rule(path):
    """configs/README.md: the name says what the config is."""
    kind = name_kind(path)
    assert kind is not None, (
        f'{osp.relpath(path, REPO)} breaks the naming rule of '
        'configs/README.md')
    assert kind == model_kind(Config.fromfile(path)), (
        f'{osp.relpath(path, REPO)} is named as a {kind} config but its '
        f'model is a {model_kind(Config.fromfile(path))} config')


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.relpath(p, REPO))
def test_fragment_name_follows_the_rule(path):
    rel = osp.relpath(path, osp.join(REPO, 'configs', '_base_'))
    folder = osp.dirname(rel)
    name = osp.splitext(osp.basename(rel))[0]
    assert folder in FRAGMENT_RULES, f'unexpected fragment folder {folder}'
    assert re.fullmatch(FRAGMENT_RULES[folder], name), (
        f'configs/_base_/{rel} breaks the naming rule of configs/README.md')
    assert not name.endswith(('_demo', '-demo')), (
        f'configs/_base_/{rel}: fragments name the data set they are '
        'specific to, never "demo"')


def test_no_config_changes_a_base_object_in_place():
    """Configs derive new dicts from `_base_` values, never mutate them."""
    pattern = re.compile(
        r'^\s*(\w+)\.(update|pop|setdefault|append)\(|^\s*\w+\[.+\]\s*=', re.M)
    offenders = []
    for path in CONFIGS + BASES:
        with open(path) as f:
            if pattern.search(f.read()):
                offenders.append(osp.relpath(path, REPO))
    assert not offenders, offenders
