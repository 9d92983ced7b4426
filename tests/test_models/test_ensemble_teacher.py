# Copyright (c) rskd_mm contributors. All rights reserved.
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import rskd_mm  # noqa: F401
from rskd_mm.models import RSKDEnsembleTeacher
from rskd_mm.models.utils import CheckpointMismatchError
from ._tiny import tiny_cnn, tiny_vit


def _save(model, path):
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), str(path))
    return str(path)


@pytest.fixture
def member_ckpts(tmp_path):
    torch.manual_seed(1)
    cnn = MODELS.build(tiny_cnn())
    vit = MODELS.build(tiny_vit())
    return (cnn, _save(cnn, tmp_path / 'cnn.pth'), vit,
            _save(vit, tmp_path / 'vit.pth'))


def _ensemble(cnn_ckpt=None, vit_ckpt=None, **kwargs):
    return MODELS.build(
        dict(
            type='RSKDEnsembleTeacher',
            members=[
                dict(
                    name='cnn',
                    model=tiny_cnn(),
                    checkpoint=cnn_ckpt,
                    weight=1.0),
                dict(
                    name='vit',
                    model=tiny_vit(),
                    checkpoint=vit_ckpt,
                    weight=3.0),
            ],
            **kwargs))


def _raw_batch(n=3):
    torch.manual_seed(0)
    return torch.randint(0, 256, (n, 3, 32, 32)).float()


def _normalized(model, raw):
    dp = model.data_preprocessor
    x = raw.flip(1)  # to_rgb
    return (x - dp.mean) / dp.std


def test_each_member_uses_its_own_normalisation_and_weights(member_ckpts):
    cnn, cnn_ckpt, vit, vit_ckpt = member_ckpts
    ens = _ensemble(cnn_ckpt, vit_ckpt).eval()
    cnn.eval(), vit.eval()
    raw = _raw_batch()
    with torch.no_grad():
        fused = ens(raw, mode='tensor')
        p_cnn = F.softmax(cnn(_normalized(cnn, raw), mode='tensor'), 1)
        p_vit = F.softmax(vit(_normalized(vit, raw), mode='tensor'), 1)
    expected = 0.25 * p_cnn + 0.75 * p_vit
    torch.testing.assert_close(fused.exp(), expected, atol=1e-6, rtol=1e-5)
    # the two members really normalise differently
    assert not torch.allclose(_normalized(cnn, raw), _normalized(vit, raw))


def test_logit_fusion(member_ckpts):
    cnn, cnn_ckpt, vit, vit_ckpt = member_ckpts
    ens = _ensemble(cnn_ckpt, vit_ckpt, fusion='logit').eval()
    raw = _raw_batch()
    with torch.no_grad():
        logits = ens.member_logits(raw)
        fused = ens(raw, mode='tensor')
    torch.testing.assert_close(fused,
                               0.25 * logits['cnn'] + 0.75 * logits['vit'])


def test_predict_and_loss(member_ckpts):
    _, cnn_ckpt, _, vit_ckpt = member_ckpts
    ens = _ensemble(cnn_ckpt, vit_ckpt).eval()
    raw = _raw_batch()
    samples = [DataSample().set_gt_label(i) for i in range(3)]
    preds = ens(raw, copy.deepcopy(samples), mode='predict')
    for p in preds:
        assert p.pred_score.sum().item() == pytest.approx(1.0, abs=1e-5)
        assert p.pred_label.item() == p.pred_score.argmax().item()
    loss = ens(raw, samples, mode='loss')['loss']
    assert torch.isfinite(loss) and loss > 0


def test_member_checkpoints_load_and_survive_init_weights(member_ckpts):
    cnn, cnn_ckpt, vit, vit_ckpt = member_ckpts
    ens = _ensemble(cnn_ckpt, vit_ckpt)
    ens.init_weights()
    for name, ref in (('cnn', cnn), ('vit', vit)):
        for k, v in ref.state_dict().items():
            torch.testing.assert_close(
                ens.members[name].state_dict()[k], v, msg=f'{name}.{k}')


def test_wrong_checkpoint_names_keys(member_ckpts):
    _, cnn_ckpt, _, _ = member_ckpts
    with pytest.raises(CheckpointMismatchError) as err:
        _ensemble(cnn_ckpt, vit_ckpt=cnn_ckpt)  # a CNN checkpoint for a ViT
    msg = str(err.value)
    assert "member 'vit'" in msg and 'cnn.pth' in msg
    assert 'missing keys' in msg and 'backbone.patch_embed' in msg
    assert 'unexpected keys' in msg and 'backbone.layer1' in msg


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _ensemble(str(tmp_path / 'nope.pth'))


def test_unreadable_checkpoint_is_named(tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(
            RuntimeError,
            match='bad.pth: not a readable checkpoint: not a PyTorch'):
        _ensemble(str(bad))


def test_members_must_agree_on_classes():
    ens = MODELS.build(
        dict(
            type='RSKDEnsembleTeacher',
            members=[
                dict(model=tiny_cnn(num_classes=4)),
                dict(model=tiny_cnn(num_classes=5))
            ]))
    with pytest.raises(ValueError, match='number of classes'):
        ens(_raw_batch(), mode='tensor')


@pytest.mark.parametrize('bad, match', [
    (dict(members=[]), 'non-empty'),
    (dict(members=[dict(checkpoint=None)]), 'model'),
    (dict(members=[dict(model=tiny_cnn(), ckpt='x')]), 'unknown keys'),
    (dict(members=[dict(model=tiny_cnn())], fusion='vote'), 'fusion'),
    (dict(members=[dict(model=tiny_cnn(), weight=-1)]), 'weights'),
])
def test_bad_configs_are_named(bad, match):
    with pytest.raises((ValueError, KeyError), match=match):
        MODELS.build(dict(type='RSKDEnsembleTeacher', **bad))


def test_recorders_can_tap_fusion_and_members(member_ckpts):
    from mmrazor.models.task_modules import RecorderManager
    _, cnn_ckpt, _, vit_ckpt = member_ckpts
    ens = _ensemble(cnn_ckpt, vit_ckpt).eval()
    assert isinstance(ens, RSKDEnsembleTeacher)
    manager = RecorderManager(
        dict(
            fused=dict(type='ModuleOutputs', source='fusion'),
            vit=dict(
                type='ModuleOutputs', source='members.vit.head.layers.head')))
    manager.initialize(ens)
    with manager, torch.no_grad():
        out = ens(_raw_batch(), mode='tensor')
    torch.testing.assert_close(
        manager.get_recorder('fused').get_record_data(), out)
    assert manager.get_recorder('vit').get_record_data().shape == (3, 4)


def test_timm_member_through_timm_backbone():
    """A timm model as a member, through mmpretrain's TIMMBackbone."""
    timm_cnn = dict(
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3),
        backbone=dict(
            type='TIMMBackbone', model_name='resnet10t', pretrained=False),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=4,
            in_channels=512,
            loss=dict(type='CrossEntropyLoss')))
    ens = MODELS.build(
        dict(
            type='RSKDEnsembleTeacher',
            members=[
                dict(name='vit', model=tiny_vit()),
                dict(name='timm_cnn', model=timm_cnn)
            ])).eval()
    with torch.no_grad():
        out = ens(_raw_batch(), mode='tensor')
    assert out.shape == (3, 4)
    assert torch.allclose(out.exp().sum(1), torch.ones(3), atol=1e-5)
