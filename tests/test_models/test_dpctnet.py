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


def build_pruner(mutator='ChannelMutator',
                 unit='L1MutableChannelUnit',
                 mutator_args=None,
                 **kwargs):
    from mmrazor.registry import MODELS
    init_default_scope('mmrazor')
    cfg = dict(
        type='RSKDItePrune',
        architecture=ConfigDict(segmentor_cfg()),
        data_preprocessor=dict(
            type='mmseg.SegDataPreProcessor', size=(64, 64)),
        mutator_cfg=dict(
            type=mutator,
            channel_unit_cfg=dict(
                type=unit, default_args=dict(choice_mode='ratio')),
            parse_cfg=dict(
                type='ChannelAnalyzer',
                demo_input=(1, 3, 64, 64),
                tracer_type='FxTracer'),
            **(mutator_args or {})))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def build_dual_path_pruner(**kwargs):
    return build_pruner('RSKDDualPathChannelMutator', 'RSKDChannelUnit',
                        **kwargs)


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


def _units(algo):
    return {u.name: u for u in algo.mutator.mutable_units}


def test_dual_path_mutator_adds_embedding_and_head_units():
    plain = _units(build_pruner(default_ratio=0.5))
    units = _units(build_dual_path_pruner(default_ratio=0.5))
    tp = 'backbone.transformer_path'
    # the analyzer alone never reaches the token stream or the heads
    assert not any(c.name == f'{tp}.patch_embed' for u in plain.values()
                   for c in u.output_related)
    embed = units[f'{tp}.embed']
    heads = units[f'{tp}.blocks.1.attn.heads']
    assert embed.num_channels == 32 and embed.head_dims == 1
    assert heads.num_channels == 32 and heads.head_dims == 16
    outs = {c.name for c in embed.output_related}
    ins = {c.name for c in embed.input_related}
    assert {
        f'{tp}.patch_embed', f'{tp}.pos_embed', f'{tp}.norm',
        f'{tp}.blocks.0.attn.proj', f'{tp}.blocks.1.mlp.2'
    } <= outs
    assert {
        f'{tp}.blocks.0.attn.qkv', f'{tp}.blocks.1.mlp.0',
        'backbone.frm.2.proj.conv'
    } <= ins
    # the analyzer's MLP hidden units stay; no analyzer unit shares a
    # channel with the declared ones
    assert any('blocks.0.mlp.0' in n for n in units)
    taken = {(c.name, c.is_output_channel)
             for u in (embed, heads)
             for c in list(u.input_related) + list(u.output_related)}
    for name, u in units.items():
        if name not in (embed.name, heads.name):
            assert not taken & {
                (c.name, c.is_output_channel)
                for c in list(u.input_related) + list(u.output_related)
            }, name
    # the switch gives the analyzer's units only
    off = _units(
        build_dual_path_pruner(
            default_ratio=0.5, mutator_args=dict(transformer_units=False)))
    assert f'{tp}.embed' not in off and len(off) == len(plain)


def test_dual_path_pruning_keeps_whole_heads_of_largest_norm():
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet
    algo = build_dual_path_pruner(default_ratio=0.5)
    dense = build_segmentor().eval()
    qkv = dense.backbone.transformer_path.blocks[0].attn.qkv
    with torch.no_grad():  # head 1 of block 0 (of 2, 16 channels) dominates
        for k in range(3):
            qkv.weight[k * 32 + 16:k * 32 + 32] *= 10
    algo.load_state_dict(dense.state_dict(), strict=False)
    algo.mutator.set_choices(algo.target_pruning_ratio)
    units = _units(algo)
    head_mask = units['backbone.transformer_path.blocks.0.attn.heads'] \
        .mutable_channel.current_mask
    assert head_mask.tolist() == [False] * 16 + [True] * 16
    embed_mask = units['backbone.transformer_path.embed'] \
        .mutable_channel.current_mask
    assert embed_mask.sum() == 16
    algo.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        masked = algo.architecture(x, mode='tensor')
    _, static = export_fix_subnet(
        algo, export_subnet_mode='mutator', slice_weight=True)
    pruned = static.architecture.eval()
    tp = pruned.backbone.transformer_path
    attn = tp.blocks[0].attn
    assert (attn.qkv.in_features, attn.qkv.out_features) == (16, 48)
    assert attn.proj.in_features == 16 and tp.patch_embed.out_channels == 16
    assert tp.pos_embed.weight.shape[1] == 16
    # the kept rows are head 1's q, k and v, on the kept embedding channels
    rows = torch.cat(
        [torch.arange(k * 32 + 16, k * 32 + 32) for k in range(3)])
    torch.testing.assert_close(attn.qkv.weight, qkv.weight[rows][:,
                                                                 embed_mask])
    with torch.no_grad():
        torch.testing.assert_close(pruned(x, mode='tensor'), masked)


def test_channel_unit_checks_head_dims():
    from rskd_mm.models.mutators import RSKDChannelUnit
    with pytest.raises(ValueError, match='head_dims 16 must divide'):
        RSKDChannelUnit(30, head_dims=16)
    unit = RSKDChannelUnit(64, choice_mode='ratio', head_dims=16)
    assert unit.divisor == 16 and unit.min_value == 16
    assert unit.config_template(
        with_init_args=True)['init_args']['head_dims'] == 16


def test_position_embedding_loads_the_earlier_checkpoint_layout():
    model = DPCTNet(**{k: v for k, v in TINY.items() if k != 'type'})
    state = {k: v.clone() for k, v in model.state_dict().items()}
    old = dict(state)
    old['transformer_path.pos_embed'] = old.pop(
        'transformer_path.pos_embed.weight') + 1
    model.load_state_dict(old, strict=True)
    torch.testing.assert_close(model.transformer_path.pos_embed.weight,
                               state['transformer_path.pos_embed.weight'] + 1)


@pytest.mark.parametrize('export_channel', [False, True])
def test_dual_path_fix_subnet_builds_the_pruned_model(tmp_path,
                                                      export_channel):
    """fix_subnet.json, with or without the units' channels, builds a
    sub_model that takes the exported weights strictly."""
    import json

    from mmrazor.registry import MODELS
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet
    algo = build_dual_path_pruner(default_ratio=0.5)
    algo.mutator.set_choices(algo.target_pruning_ratio)
    fix_subnet, static = export_fix_subnet(
        algo,
        export_subnet_mode='mutator',
        slice_weight=True,
        export_channel=export_channel)
    assert fix_subnet['type'] == 'RSKDDualPathChannelMutator'
    path = str(tmp_path / 'fix_subnet.json')
    with open(path, 'w') as f:
        json.dump(fix_subnet, f, default=str)
    sub = MODELS.build(
        dict(
            _scope_='mmrazor',
            type='sub_model',
            cfg=ConfigDict(segmentor_cfg()),
            fix_subnet=path,
            mode='mutator'))
    sub.load_state_dict(static.architecture.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(
            sub.eval()(x, mode='tensor'),
            static.architecture.eval()(x, mode='tensor'))
