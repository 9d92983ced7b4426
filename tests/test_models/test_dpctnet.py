# Copyright (c) rskd_mm contributors. All rights reserved.
"""DP-CTNet backbone, FRM/FFM, DPCTHead, and its pruning with mmrazor."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

from rskd_mm.models.backbones.dpctnet import FFM, FRM, DPCTNet

NORM = dict(type='BN', requires_grad=True)
TINY = dict(
    type='DPCTNet',
    stem_channels=8,
    cnn_channels=(8, 16, 16, 32),
    cnn_depths=(1, 1, 1, 1),
    embed_dims=32,
    depth=2,
    num_heads=2,
    mlp_ratio=2,
    patch_size=8,
    img_size=64,
    fuse_stages=(0, 2, 3),
    trans_indices=(0, 1, 1))


def segmentor_cfg():
    return dict(
        _scope_='mmseg',
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[0, 0, 0],
            std=[1, 1, 1],
            size=(64, 64)),
        backbone=copy.deepcopy(TINY),
        decode_head=dict(
            type='DPCTHead',
            in_channels=[8, 16, 16, 32],
            in_index=[0, 1, 2, 3],
            scale_factors=(1, 2, 4, 8),
            channels=16,
            num_classes=5,
            norm_cfg=NORM,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def build_segmentor():
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    return MODELS.build(ConfigDict(segmentor_cfg()))


def test_backbone_outputs_and_backward():
    init_default_scope('mmseg')
    net = DPCTNet(**{k: v for k, v in TINY.items() if k != 'type'})
    x = torch.randn(2, 3, 64, 64)
    outs = net(x)
    assert [tuple(o.shape) for o in outs] == [(2, 8, 16, 16), (2, 16, 8, 8),
                                              (2, 16, 4, 4), (2, 32, 2, 2)]
    sum(o.mean() for o in outs).backward()
    # every part gets a gradient: CNN, transformer, FRM and FFM
    for name in ('cnn_path.stages.0.0.conv1.weight',
                 'transformer_path.blocks.1.mlp.0.weight',
                 'frm.2.proj.conv.weight', 'ffm.1.gate_t.weight'):
        grad = dict(net.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    # other input sizes: the position embedding is interpolated
    assert net(torch.randn(1, 3, 96, 128))[0].shape == (1, 8, 24, 32)


def test_named_submodules_for_recorders():
    names = dict(build_segmentor().named_modules())
    for name in ('backbone.cnn_path.stages.3', 'backbone.transformer_path.'
                 'blocks.1', 'backbone.ffm.2', 'backbone.frm.0',
                 'decode_head.conv_seg'):
        assert name in names


def test_frm_and_ffm_shapes():
    frm = FRM(32, 16, NORM)
    t = frm(torch.randn(2, 32, 4, 4), torch.randn(2, 16, 16, 16))
    assert t.shape == (2, 16, 16, 16)
    ffm = FFM(16, NORM)
    c = torch.randn(2, 16, 16, 16)
    assert ffm(c, t).shape == (2, 16, 16, 16)
    # the gate mixes the two paths: changing t changes the output
    assert not torch.allclose(ffm(c, t), ffm(c, torch.zeros_like(t)))


def test_segmentor_loss_and_predict():
    model = build_segmentor()
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, 64, 64)))
        s.set_metainfo(
            dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(s)
    x = torch.randn(2, 3, 64, 64)
    losses = model(x, samples, mode='loss')
    assert torch.isfinite(losses['decode.loss_ce'])
    model.eval()
    preds = model(x, samples, mode='predict')
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_bad_arguments_and_inputs_are_named():
    args = {k: v for k, v in TINY.items() if k != 'type'}
    with pytest.raises(ValueError, match='trans_indices'):
        DPCTNet(**dict(args, trans_indices=(0, 5, 1)))
    with pytest.raises(ValueError, match='fuse_stages'):
        DPCTNet(**dict(args, fuse_stages=(0, 4), trans_indices=(0, 1)))
    with pytest.raises(ValueError, match='num_heads'):
        DPCTNet(**dict(args, num_heads=3))
    with pytest.raises(ValueError, match='multiple of the patch size'):
        DPCTNet(**args)(torch.randn(1, 3, 60, 64))
    model = build_segmentor()
    with pytest.raises(ValueError, match='multiple of the largest stride'):
        model(torch.randn(1, 3, 72, 72))


def build_pruner(**kwargs):
    from mmrazor.registry import MODELS
    init_default_scope('mmrazor')
    cfg = dict(
        type='RSKDItePrune',
        architecture=ConfigDict(segmentor_cfg()),
        data_preprocessor=dict(
            type='mmseg.SegDataPreProcessor', size=(64, 64)),
        mutator_cfg=dict(
            type='ChannelMutator',
            channel_unit_cfg=dict(
                type='L1MutableChannelUnit',
                default_args=dict(choice_mode='ratio')),
            parse_cfg=dict(
                type='ChannelAnalyzer',
                demo_input=(1, 3, 64, 64),
                tracer_type='FxTracer')))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_pruner_finds_the_units_and_sets_one_ratio():
    algo = build_pruner(
        default_ratio=0.5, ratio_overrides={'decode_head': 0.25})
    names = list(algo.target_pruning_ratio)
    # the CNN stages' residual streams, block internals, the transformer
    # MLPs and the head are all prunable
    assert any(n.startswith('backbone.cnn_path.stages.0') for n in names)
    assert any('transformer_path.blocks.0.mlp.0' in n for n in names)
    assert any(n.startswith('decode_head.convs') for n in names)
    for name, ratio in algo.target_pruning_ratio.items():
        assert ratio == (0.25 if name.startswith('decode_head') else 0.5)


def test_pruner_rejects_bad_targets():
    with pytest.raises(ValueError, match='keep-ratio'):
        build_pruner(default_ratio=1.5)
    with pytest.raises(ValueError, match='matches no channel unit'):
        build_pruner(default_ratio=0.5, ratio_overrides={'neck': 0.3})
    with pytest.raises(ValueError, match='close matches'):
        build_pruner(target_pruning_ratio={'backbone.stem_(0, 8)_8': 0.5})


def test_pruned_export_is_smaller_and_loads_from_plain_checkpoint():
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet
    algo = build_pruner(default_ratio=0.25)
    dense = build_segmentor()
    # a plain checkpoint of the model fills the algorithm's architecture
    algo.load_state_dict(dense.state_dict(), strict=False)
    for k, v in dense.state_dict().items():
        assert torch.equal(algo.architecture.state_dict()[k], v), k
    algo.mutator.set_choices(algo.target_pruning_ratio)
    _, static = export_fix_subnet(
        algo, export_subnet_mode='mutator', slice_weight=True)
    pruned = static.architecture.eval()
    n_dense = sum(p.numel() for p in dense.parameters())
    n_pruned = sum(p.numel() for p in pruned.parameters())
    assert n_pruned < 0.5 * n_dense
    with torch.no_grad():
        assert pruned(torch.randn(1, 3, 64, 64)).shape == (1, 5, 16, 16)
