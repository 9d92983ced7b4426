# Copyright (c) rskd_mm contributors. All rights reserved.
"""RSKDClsDataPreprocessor: batch augments mix the cached teacher outputs
with the same permutation and ratio as the images and labels."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

import rskd_mm  # noqa: F401
from rskd_mm.models.classifiers import RSKDClsDataPreprocessor

N, C = 6, 6  # one class per sample: a mixed label shows its pair


def _batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(N, C, generator=g) * 3
    probs = F.softmax(logits, dim=1)
    # each image holds its own teacher distribution as pixels, so a linear
    # batch mix of the images shows which mixture the targets must be
    inputs = [p.view(1, 1, C).clone() for p in probs]
    samples = []
    for i in range(N):
        s = DataSample().set_gt_label(i % C)
        s.set_field(logits[i], 'teacher_logits', field_type='data')
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples), probs


def _preprocessor(augment):
    return RSKDClsDataPreprocessor(
        num_classes=C, batch_augments=dict(augments=[augment]))


@pytest.mark.parametrize('alpha', [0.2, 1.0])
def test_mixup_mixes_teacher_outputs_like_the_images(alpha):
    # mmpretrain draws the ratio from numpy, the pairs from torch: seed both
    # (seed 0: a ratio of 0.21 for alpha 0.2 and 0.45 for alpha 1, a real mix)
    np.random.seed(0)
    torch.manual_seed(1)
    data, probs = _batch()
    out = _preprocessor(dict(type='Mixup', alpha=alpha))(data, True)
    mixed_images = out['inputs'].view(N, C)
    mixed_teacher = torch.stack(
        [s.teacher_logits for s in out['data_samples']]).exp()
    # the image batch was really mixed (not the identity)
    assert not torch.allclose(mixed_images, probs)
    torch.testing.assert_close(
        mixed_teacher, mixed_images, rtol=1e-5, atol=1e-6)
    # the labels were mixed with the same pairs and ratio (one class per
    # sample: row i of the scores is the mixing weights of sample i)
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    torch.testing.assert_close(
        scores @ probs, mixed_images, rtol=1e-5, atol=1e-6)


def test_cutmix_mixes_teacher_outputs_with_the_label_ratio():
    np.random.seed(3)
    torch.manual_seed(2)
    data, probs = _batch()
    data['inputs'] = [torch.rand(3, 8, 8) for _ in range(N)]
    out = _preprocessor(dict(type='CutMix', alpha=1.0))(data, True)
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    mixed_teacher = torch.stack(
        [s.teacher_logits for s in out['data_samples']]).exp()
    assert not torch.allclose(scores, torch.eye(N))  # really mixed
    # sample i's label is lam e_i + (1 - lam) e_partner (one class per
    # sample), so the teacher target must be lam p_i + (1 - lam) p_partner
    torch.testing.assert_close(
        mixed_teacher, scores @ probs, rtol=1e-5, atol=1e-6)


def test_without_augments_or_outside_training_nothing_changes():
    data, probs = _batch()
    before = [s.teacher_logits.clone() for s in data['data_samples']]
    out = _preprocessor(dict(type='Mixup', alpha=1.0))(data, False)
    for s, b in zip(out['data_samples'], before):
        torch.testing.assert_close(s.teacher_logits, b)
    torch.testing.assert_close(out['inputs'].view(N, C), probs)
    data, _ = _batch()
    out = RSKDClsDataPreprocessor(num_classes=C)(data, True)
    for s, b in zip(out['data_samples'], before):
        torch.testing.assert_close(s.teacher_logits, b)


def test_cached_kd_refuses_batch_augments_it_cannot_mix(monkeypatch):
    from rskd_mm.models.algorithms import rskd_cached_teacher_distill as m

    class _Cache:

        def __init__(self, *args, **kwargs):
            self.meta = dict(num_samples=1)

    monkeypatch.setattr(m, 'TeacherCache', _Cache)
    cache_dir = 'unused'
    student = dict(
        type='mmpretrain.ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor',
            num_classes=C,
            batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)])),
        backbone=dict(type='mmpretrain.MobileNetV2', widen_factor=0.25),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(
            type='mmpretrain.LinearClsHead', num_classes=C, in_channels=1280))
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='fusion')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=4.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'))))
    with pytest.raises(ValueError, match='RSKDClsDataPreprocessor'):
        m.RSKDCachedTeacherDistill(
            distiller=distiller,
            teacher=dict(type='mmpretrain.ImageClassifier'),
            architecture=student,
            teacher_cache=cache_dir,
            verify_teacher=False)
