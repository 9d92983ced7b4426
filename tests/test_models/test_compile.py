# Copyright (c) rskd_mm contributors. All rights reserved.
"""test_compile: which sub-networks are compiled, and that they compute the
same thing (dynamo's eager backend: the tracing without a C++ build)."""
import pytest
import torch
from mmpretrain.registry import MODELS

import rskd_mm  # noqa: F401
from rskd_mm.models.utils import compile_options, compile_submodules


def _classifier():
    return MODELS.build(
        dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=4),
            backbone=dict(type='MobileNetV2', widen_factor=0.25),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=4,
                      in_channels=1280))).eval()


def test_compile_options():
    assert compile_options(None) is None
    assert compile_options(False) is None
    assert compile_options(True) == {}
    assert compile_options(
        dict(mode='reduce-overhead')) == dict(mode='reduce-overhead')
    with pytest.raises(TypeError, match='test_compile'):
        compile_options('yes')


def test_compiled_classifier_computes_the_same():
    torch.manual_seed(0)
    model = _classifier()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(x, mode='tensor')
    names = compile_submodules(model, dict(backend='eager'))
    # the neck has no parameters: nothing to gain, left eager
    assert names == ['backbone', 'head']
    assert 'forward' in vars(model.backbone)
    with torch.no_grad():
        torch.testing.assert_close(model(x, mode='tensor'), expected)
    # the state dict keys do not change (checkpoints load as before)
    assert all(not k.startswith('_orig_mod') for k in model.state_dict())


def test_distiller_and_ensemble_are_unwrapped():
    from rskd_mm.models.classifiers import RSKDEnsembleTeacher
    member = dict(
        type='ImageClassifier',
        backbone=dict(type='MobileNetV2', widen_factor=0.25),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=1280))
    ens = RSKDEnsembleTeacher(
        members=[dict(name='a', model=member),
                 dict(name='b', model=member)]).eval()
    names = compile_submodules(ens, dict(backend='eager'))
    assert names == [
        'members.a.backbone', 'members.a.head', 'members.b.backbone',
        'members.b.head'
    ]

    class Algo(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.architecture = _classifier()
            self.teacher = _classifier()

    algo = Algo()
    assert compile_submodules(algo,
                              dict(backend='eager')) == ['backbone', 'head']
    assert 'forward' not in vars(algo.teacher.backbone)


def test_init_model_compiles_with_the_config_switch():
    """The raster tools' model (init_model) follows test_compile too."""
    import os.path as osp

    from rskd_mm.apis import init_model
    config = osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs', 'demo', 'mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
    plain, _, _ = init_model(config)
    compiled, _, _ = init_model(
        config, cfg_options=dict(test_compile=dict(backend='eager')))
    compiled.load_state_dict(plain.state_dict())
    assert 'forward' in vars(compiled.model.backbone)
    assert 'forward' not in vars(plain.model.backbone)
    x = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), plain(x))
