# Copyright (c) rskd_mm contributors. All rights reserved.
"""rskd_mm.registry lists every registration, and each name builds from a
config in its scope."""
import copy
import os.path as osp

import mmengine.registry
import mmpretrain.registry
import mmrazor.registry
import mmseg.registry
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope, Registry

from rskd_mm.registry import REGISTRATIONS
from rskd_mm.utils import strip_teacher_checkpoints
from .conftest import REPO_ROOT

HOSTS = {
    'mmengine': mmengine.registry,
    'mmpretrain': mmpretrain.registry,
    'mmseg': mmseg.registry,
    'mmrazor': mmrazor.registry
}


def registered_by_rskd_mm():
    """(registry, name) of every rskd_mm class in any host registry."""
    out = set()
    for host in HOSTS.values():
        for value in vars(host).values():
            if not isinstance(value, Registry):
                continue
            for name, cls in value.module_dict.items():
                if getattr(cls, '__module__', '').startswith('rskd_mm.'):
                    out.add((value, name))
    return out


def test_registrations_list_is_complete_and_exact():
    listed = {(reg, name)
              for (reg, _), names in REGISTRATIONS.items() for name in names}
    found = registered_by_rskd_mm()
    assert {(r.scope, r.name, n)
            for r, n in found - listed
            } == set(), ('registered but not listed in rskd_mm/registry.py')
    assert {(r.scope, r.name, n)
            for r, n in listed - found
            } == set(), ('listed in rskd_mm/registry.py but not registered')
    for (reg, scope), _ in REGISTRATIONS.items():
        assert reg.scope == scope


def cfg_of(rel):
    return Config.fromfile(osp.join(REPO_ROOT, rel))


def build_cfgs(scene_root, seg_root):
    """One config per registered name (a few need run-time artifacts)."""
    seg = cfg_of('configs/dpctnet/dpctnet-t_1xb4-1k_demo-seg-128px.py')
    kd = cfg_of(
        'configs/demo/'
        'kd_resnet18-w32_mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
    prune = cfg_of(
        'configs/dpctnet/prune-l1_dpctnet-t_1xb4-200_demo-seg-128px.py')
    ens = cfg_of('configs/hmkd/ensemble-r18w32-vit-t8_demo-scene-64px.py')
    scene = dict(
        data_root=scene_root,
        ann_file='meta/train.txt',
        data_prefix='images',
        lazy_init=True)
    return {
        'RSKDFiniteLossHook':
        dict(),
        'RSKDStudentCheckpointHook':
        dict(interval=1),
        'RSKDTeacherOutputDataset':
        dict(
            dataset=dict(
                type='mmpretrain.RSKDSceneDataset',
                **scene,
                classes=None,
                pipeline=[]),
            num_draws=2),
        'RSKDLoadImageFromFile':
        dict(),
        'RSKDEnsembleTeacher':
        strip_teacher_checkpoints(dict(ens.model, _scope_=None)),
        'RSKDClsDataPreprocessor':
        dict(
            num_classes=4,
            batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)])),
        'RSKDSceneDataset':
        dict(scene),
        'UCMerced':
        dict(scene),
        'AID':
        dict(scene),
        'NWPURESISC45':
        dict(scene),
        'EuroSAT':
        dict(scene),
        'DPCTNet':
        copy.deepcopy(seg.model.backbone),
        'DPCTHead':
        copy.deepcopy(seg.model.decode_head),
        'RSKDCheckSegLabels':
        dict(num_classes=5),
        'RSKDIoUMetric':
        dict(iou_metrics=['mIoU']),
        'RSKDDumpPredictions':
        dict(out_file='predictions.json'),
        'RSKDSingleTeacherDistill':
        strip_teacher_checkpoints(dict(kd.model, _scope_=None)),
        'RSKDItePrune':
        dict(prune.model, _scope_=None),
        'RSKDAngleKD':
        dict(),
        'RSKDEnsembleVarianceKD':
        dict(),
        'RSKDKLCosineKD':
        dict(),
        'RSKDLogitStandardKD':
        dict(),
        'RSKDCachedOutputsRecorder':
        dict(source='logits'),
        'RSKDDualPathChannelMutator':
        dict(prune.model.mutator_cfg),
        'RSKDChannelUnit':
        dict(num_channels=8, head_dims=4),
        'DynamicPositionEmbedding':
        dict(embed_dims=8, grid=(2, 2)),
    }


# Built elsewhere with the artifacts they need: the runner by every
# tools/train.py run (tests/test_tools.py, tests/test_bad_inputs.py), cached
# KD from a built teacher cache and the draw sampler over its data set
# (tests/test_tools.py::test_cached_kd_end_to_end,
# tests/test_datasets/test_teacher_cache.py).
RESOLVED_ONLY = {
    'RSKDRunner', 'RSKDCachedTeacherDistill', 'RSKDTeacherDrawSampler'
}

CASES = [(reg, scope, name) for (reg, scope), names in REGISTRATIONS.items()
         for name in names]


@pytest.mark.parametrize(
    'reg,scope,name', CASES, ids=[f'{s}.{n}' for _, s, n in CASES])
def test_every_name_builds_through_its_scope(reg, scope, name, tiny_scene_root,
                                             tiny_seg_root):
    # configs of `scope` name the component by its bare type; the root
    # registry (mmengine) resolves it through the current default scope
    with DefaultScope.overwrite_default_scope(scope):
        root = getattr(mmengine.registry,
                       reg.name.upper().replace(' ', '_') + 'S')
        if name in RESOLVED_ONLY:
            # what build() does with the default scope, without building
            with root.switch_scope_and_registry(None) as scoped:
                assert scoped.get(name) is reg.get(name)
            return
        cfg = build_cfgs(tiny_scene_root, tiny_seg_root)[name]
        cfg = dict(cfg, type=name)
        cfg.pop('_scope_', None)
        obj = root.build(cfg)
    assert type(obj) is reg.get(name)


def imported_modules(path):
    """Absolute names of every module a source file imports."""
    import ast
    rel = osp.relpath(path, REPO_ROOT)
    package = osp.dirname(rel).replace(osp.sep, '.')
    tree = ast.parse(open(path).read(), filename=rel)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                names.append('.'.join(base +
                                      ([node.module] if node.module else [])))
            else:
                names.append(node.module)
    return names


def test_model_layer_never_imports_the_data_layer_or_tools():
    import glob
    offenders = []
    for path in glob.glob(
            osp.join(REPO_ROOT, 'rskd_mm', 'models', '**', '*.py'),
            recursive=True):
        for name in imported_modules(path):
            if name.startswith(('rskd_mm.datasets', 'tools')):
                offenders.append(f'{osp.relpath(path, REPO_ROOT)}: {name}')
    assert offenders == []


def test_import_scanner_sees_relative_imports():
    """The boundary check would catch `from ...datasets import X`."""
    names = imported_modules(
        osp.join(REPO_ROOT, 'rskd_mm', 'datasets',
                 'teacher_output_dataset.py'))
    assert 'rskd_mm.structures.teacher_cache' in names
    names = imported_modules(
        osp.join(REPO_ROOT, 'rskd_mm', 'models', '__init__.py'))
    assert 'rskd_mm.models.algorithms' in names


def mmrazor_before_rskd_mm(path):
    """Places where a tool imports mmrazor before rskd_mm in its scope
    (mmrazor 1.0.0 cannot be imported on this stack before rskd_mm's
    compatibility layer; isort's order would put it first)."""
    import ast
    tree = ast.parse(open(path).read())
    found = []

    def scan(body, seen, scope):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = ([a.name for a in node.names] if isinstance(
                    node, ast.Import) else [node.module or ''])
                for name in names:
                    seen = seen or name.startswith('rskd_mm')
                    if name.startswith('mmrazor') and not seen:
                        found.append(f'{scope}:{node.lineno}')
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scan(node.body, seen, node.name)
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For)):
                seen = scan(node.body, seen, scope)
        return seen

    scan(tree.body, False, '<module>')
    return found


def test_tools_import_rskd_mm_before_mmrazor():
    import glob
    offenders = {}
    for path in glob.glob(
            osp.join(REPO_ROOT, 'tools', '**', '*.py'), recursive=True):
        found = mmrazor_before_rskd_mm(path)
        if found:
            offenders[osp.relpath(path, REPO_ROOT)] = found
    assert offenders == {}


def test_import_order_check_can_fail(tmp_path):
    bad = tmp_path / 'tool.py'
    bad.write_text('def main():\n    from mmrazor.registry import MODELS\n'
                   '    import rskd_mm\n')
    assert mmrazor_before_rskd_mm(str(bad)) == ['main:2']
