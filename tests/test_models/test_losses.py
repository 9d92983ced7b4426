# Copyright (c) rskd_mm contributors. All rights reserved.
"""Golden values for rskd_mm's KD losses.

The golden numbers were computed once with the NumPy reference below (an
independent float64 implementation of the formulas in the docstrings) and are
pinned here, torchdistill-style, so that a change in either shows up.
"""
import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

import rskd_mm  # noqa: F401
from rskd_mm.models.losses import (RSKDKLCosineKD, RSKDLogitStandardKD,
                                   logit_standard_kd_loss, standardize_logits)

ZS = [[2.0, 1.0, 0.1, -1.0], [0.5, 0.2, 3.0, 1.0]]
ZT = [[6.0, 2.0, -2.0, 0.0], [0.0, 1.0, 9.0, 4.0]]


def _np_softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _np_standardize(z, eps=1e-7):
    return (z - z.mean(1, keepdims=True)) / (
        z.std(1, ddof=1, keepdims=True) + eps)


def _np_kl(pt, ps):
    return (pt * (np.log(pt) - np.log(ps))).sum(1)


def _t(x):
    return torch.tensor(x, dtype=torch.float64)


# ---------------------------------------------------------------- LSKD --
def test_logit_standard_kd_golden():
    loss = RSKDLogitStandardKD(tau=2.0)
    out = loss(_t(ZS), _t(ZT))
    assert out.item() == pytest.approx(0.057249799453422484, rel=1e-6)
    per_sample = RSKDLogitStandardKD(tau=2.0, reduction='none')(_t(ZS), _t(ZT))
    np.testing.assert_allclose(
        per_sample.numpy(), [0.09447066, 0.02002894], rtol=1e-6)


def test_logit_standard_kd_matches_numpy_reference():
    rng = np.random.default_rng(0)
    zs, zt = rng.normal(size=(5, 7)) * 3, rng.normal(size=(5, 7)) * 8 + 2
    for tau in (1.0, 2.0, 4.0):
        ref = (_np_kl(
            _np_softmax(_np_standardize(zt) / tau),
            _np_softmax(_np_standardize(zs) / tau)) * tau**2).mean()
        got = RSKDLogitStandardKD(tau=tau)(_t(zs), _t(zt)).item()
        assert got == pytest.approx(ref, rel=1e-9)


def test_variance_normalisation_changes_the_result():
    """A teacher with larger logit variance: plain KD and LSKD differ."""
    plain = MODELS.build(dict(type='KLDivergence', tau=2.0))(_t(ZS), _t(ZT))
    lskd = RSKDLogitStandardKD(tau=2.0)(_t(ZS), _t(ZT))
    assert plain.item() == pytest.approx(1.3681843137179586, rel=1e-6)
    assert lskd.item() == pytest.approx(0.057249799453422484, rel=1e-6)
    # LSKD is invariant to each sample's logit shift and scale ...
    scaled = RSKDLogitStandardKD(tau=2.0)(_t(ZS), 3 * _t(ZT) + 5)
    assert scaled.item() == pytest.approx(lskd.item(), rel=1e-6)
    # ... plain KD is not
    plain_scaled = MODELS.build(dict(type='KLDivergence',
                                     tau=2.0))(_t(ZS), 3 * _t(ZT) + 5)
    assert abs(plain_scaled.item() - plain.item()) > 1.0


def test_standardize_logits():
    z = standardize_logits(_t(ZT))
    torch.testing.assert_close(
        z.mean(1), torch.zeros(2, dtype=z.dtype), atol=1e-12, rtol=0)
    torch.testing.assert_close(
        z.std(1), torch.ones(2, dtype=z.dtype), atol=1e-6, rtol=0)


def test_lskd_identical_logits_give_zero_and_reductions():
    z = _t(ZS)
    assert logit_standard_kd_loss(z, z).item() == pytest.approx(0, abs=1e-12)
    none = logit_standard_kd_loss(_t(ZS), _t(ZT), reduction='none')
    total = logit_standard_kd_loss(_t(ZS), _t(ZT), reduction='sum')
    assert total.item() == pytest.approx(none.sum().item())


# ------------------------------------------------------------- KL + cos --
def test_kl_cosine_golden():
    out = RSKDKLCosineKD(tau=4.0)(_t(ZS), _t(ZT))
    assert out.item() == pytest.approx(2.5955729556701, rel=1e-6)
    weighted = RSKDKLCosineKD(
        tau=4.0, kl_weight=0.5, cos_weight=2.0)(_t(ZS), _t(ZT))
    assert weighted.item() == pytest.approx(1.450536408021824, rel=1e-6)
    on_logits = RSKDKLCosineKD(tau=4.0, cosine_input='logits')(_t(ZS), _t(ZT))
    assert on_logits.item() == pytest.approx(2.5781759897782677, rel=1e-6)


def test_kl_cosine_terms_separately():
    kl_only = RSKDKLCosineKD(
        tau=4.0, cos_weight=0.0, reduction='none')(_t(ZS), _t(ZT))
    cos_only = RSKDKLCosineKD(
        tau=4.0, kl_weight=0.0, reduction='none')(_t(ZS), _t(ZT))
    np.testing.assert_allclose(
        kl_only.numpy(), [2.12891332, 2.85856602], rtol=1e-6)
    np.testing.assert_allclose(
        cos_only.numpy(), [0.09620494, 0.10746164], rtol=1e-6)
    # plain KD from mmrazor equals the KL term
    plain = MODELS.build(dict(type='KLDivergence', tau=4.0))(_t(ZS), _t(ZT))
    assert plain.item() == pytest.approx(kl_only.mean().item(), rel=1e-6)


# ----------------------------------------------------------- contracts --
@pytest.mark.parametrize('loss_type',
                         ['RSKDLogitStandardKD', 'RSKDKLCosineKD'])
def test_registered_and_gradients_reach_student_only(loss_type):
    loss = MODELS.build(dict(type=loss_type, loss_weight=2.0))
    student = torch.randn(4, 5, requires_grad=True)
    teacher = torch.randn(4, 5, requires_grad=True)
    out = loss(student, teacher)
    out.backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


@pytest.mark.parametrize('kwargs, match', [
    (dict(tau=0), 'tau'),
    (dict(tau=-1.0), 'tau'),
    (dict(loss_weight=-1), 'loss_weight'),
    (dict(reduction='avg'), 'reduction'),
])
def test_invalid_arguments_are_named(kwargs, match):
    for cls in (RSKDLogitStandardKD, RSKDKLCosineKD):
        with pytest.raises(ValueError, match=match):
            cls(**kwargs)
    with pytest.raises(ValueError, match='cosine_input'):
        RSKDKLCosineKD(cosine_input='features')


def test_class_mismatch_is_reported():
    for loss in (RSKDLogitStandardKD(), RSKDKLCosineKD()):
        with pytest.raises(ValueError, match='number of classes'):
            loss(torch.randn(2, 5), torch.randn(2, 7))


# ------------------------------------------------ ensemble-variance KD --
# three samples; members that nearly agree (sample 0) and disagree (1, 2)
EV_ZS = [[2.0, 1.0, 0.1, -1.0], [0.5, 0.2, 3.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
EV_ZT = [[6.0, 2.0, -2.0, 0.0], [0.0, 1.0, 9.0, 4.0], [3.0, 0.0, 0.0, 0.0]]
EV_A = [[5.0, 1.0, -1.0, 0.0], [0.0, 1.0, 8.0, 4.0], [4.0, 0.0, 0.0, 0.0]]
EV_B = [[4.0, 3.0, -2.0, 0.0], [0.0, 6.0, 1.0, 2.0], [0.0, 0.0, 4.0, 0.0]]


def _np_ev_kd(zs, zt, members, tau, alpha, beta):
    probs = [_np_softmax(np.asarray(m)) for m in members]
    mean = sum(probs) / len(probs)
    m = len(probs)
    d = (sum((p**2).sum(1) for p in probs) / m - (mean**2).sum(1)) * m / (
        m - 1)
    w = (1 - d)**alpha
    w = w / w.mean()
    t = tau * (1 + beta * d)
    kl = _np_kl(
        _np_softmax(np.asarray(zt) / t[:, None]),
        _np_softmax(np.asarray(zs) / t[:, None]))
    return w * t**2 * kl, d


def test_member_disagreement_golden_and_range():
    from rskd_mm.models.losses import member_disagreement
    d = member_disagreement(_t(EV_A), _t(EV_B))
    np.testing.assert_allclose(
        d.numpy(), [0.06257701, 0.9472829, 0.86592949], rtol=1e-6)
    same = member_disagreement(_t(EV_A), _t(EV_A))
    np.testing.assert_allclose(same.numpy(), 0, atol=1e-12)
    onehot = torch.tensor([[100.0, 0, 0], [0, 100.0, 0]])
    assert member_disagreement(onehot, onehot.flip(0))[0].item() == \
        pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize('tau,alpha,beta,golden', [
    (4.0, 1.0, 0.0, [5.32558299, 0.40213637, 0.3664463]),
    (2.0, 2.0, 1.0, [4.18575885, 0.02616144, 0.06196239]),
])
def test_ensemble_variance_kd_golden(tau, alpha, beta, golden):
    from rskd_mm.models.losses import RSKDEnsembleVarianceKD
    loss = RSKDEnsembleVarianceKD(
        tau=tau, alpha=alpha, beta=beta, reduction='none')
    per = loss(_t(EV_ZS), _t(EV_ZT), _t(EV_A), _t(EV_B))
    np.testing.assert_allclose(per.numpy(), golden, rtol=1e-6)
    ref, _ = _np_ev_kd(EV_ZS, EV_ZT, [EV_A, EV_B], tau, alpha, beta)
    np.testing.assert_allclose(per.numpy(), ref, rtol=1e-9)
    mean = RSKDEnsembleVarianceKD(
        tau=tau, alpha=alpha, beta=beta)(_t(EV_ZS), _t(EV_ZT), _t(EV_A),
                                         _t(EV_B))
    assert mean.item() == pytest.approx(np.mean(golden), rel=1e-6)


def test_ensemble_variance_kd_reduces_to_plain_kd():
    """alpha = beta = 0: mmrazor's KLDivergence with the same tau."""
    from rskd_mm.models.losses import RSKDEnsembleVarianceKD
    ours = RSKDEnsembleVarianceKD(
        tau=4.0, alpha=0.0, beta=0.0)(_t(EV_ZS), _t(EV_ZT), _t(EV_A), _t(EV_B))
    kl = MODELS.build(dict(type='KLDivergence', tau=4.0))(_t(EV_ZS), _t(EV_ZT))
    assert ours.item() == pytest.approx(kl.item(), rel=1e-9)


def test_ensemble_variance_kd_three_members_and_gradient():
    from rskd_mm.models.losses import RSKDEnsembleVarianceKD
    zs = _t(EV_ZS).requires_grad_()
    members = [_t(EV_A).requires_grad_(), _t(EV_B).requires_grad_(), _t(EV_ZT)]
    out = RSKDEnsembleVarianceKD(tau=2.0, beta=0.5)(zs, _t(EV_ZT), *members)
    ref, _ = _np_ev_kd(EV_ZS, EV_ZT, [EV_A, EV_B, EV_ZT], 2.0, 1.0, 0.5)
    assert out.item() == pytest.approx(ref.mean(), rel=1e-9)
    out.backward()
    assert zs.grad.abs().sum() > 0
    assert members[0].grad is None and members[1].grad is None
    with pytest.raises(ValueError, match='alpha'):
        RSKDEnsembleVarianceKD(alpha=-1)


# ------------------------------------------------ DIST readings (g), (h) --
def _np_pearson_loss(a, b):
    """1 - mean over rows of the Pearson correlation of a's and b's rows."""
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    rho = (a * b).sum(1) / (
        np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return 1 - rho.mean()


def _np_dist(zs, zt, tau, inter, intra):
    ps, pt = _np_softmax(zs / tau), _np_softmax(zt / tau)
    return tau**2 * (
        inter * _np_pearson_loss(ps, pt) +
        intra * _np_pearson_loss(ps.T, pt.T))


DIST_ZS = np.random.default_rng(3).normal(size=(6, 5)) * 2
DIST_ZT = np.random.default_rng(4).normal(size=(6, 5)) * 5


def _config_losses(name):
    from mmengine.config import Config
    cfg = Config.fromfile(
        f'configs/{name}_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
    return {
        k: MODELS.build(v)
        for k, v in cfg.model.distiller.distill_losses.items()
    }, cfg.model.distiller.loss_forward_mappings


def _apply(losses, mappings, zs, zt):
    total = 0.0
    for key, loss in losses.items():
        names = list(mappings[key])  # student argument first
        assert mappings[key][names[0]]['from_student']
        assert not mappings[key][names[1]]['from_student']
        total += loss(**{names[0]: zs, names[1]: zt}).item()
    return total


@pytest.mark.parametrize(
    'name, golden',
    [
        ('hmkd/dist', 66.18339482),
        ('fastkd/fastkd-dist', 66.18339482),
        ('hmkd/kl-dist', 44.52292716),
        ('fastkd/fastkd-kl-dist', 44.52292716),
        # the default HMKD, online and cached, is reading (h)
        ('hmkd/hmkd', 44.52292716),
        ('fastkd/fastkd-hmkd', 44.52292716),
    ])
def test_dist_readings_golden(name, golden):
    """The configs of readings (g) and (h), online and cached, compute DIST
    (inter- and intra-class Pearson correlation of the tau-softmax outputs,
    tau^2-scaled) and, for (h) and the default, plain KD's KL on top."""
    losses, mappings = _config_losses(name)
    got = _apply(losses, mappings, _t(DIST_ZS), _t(DIST_ZT))
    assert got == pytest.approx(golden, rel=1e-6)
    if name.endswith(('kl-dist', 'hmkd')):
        kl = (_np_kl(_np_softmax(DIST_ZT / 4), _np_softmax(DIST_ZS / 4)) *
              16).mean()
        ref = kl + _np_dist(DIST_ZS, DIST_ZT, 4.0, 1.0, 1.0)
    else:
        ref = _np_dist(DIST_ZS, DIST_ZT, 4.0, 2.0, 2.0)
    # mmrazor adds eps = 1e-8 to the norms' product
    assert got == pytest.approx(ref, rel=1e-7)


def test_dist_ignores_the_scale_of_the_predictions():
    """Pearson correlation is invariant to an affine map of a prediction:
    with tau large enough for the softmax to be near-linear, scaling the
    teacher's logits changes plain KD a lot and DIST's inter term little."""
    dist = MODELS.build(
        dict(type='DISTLoss', inter_loss_weight=1.0, intra_loss_weight=0.0))
    kl = MODELS.build(dict(type='KLDivergence', tau=1.0))
    zs, zt = _t(DIST_ZS) * 0.01, _t(DIST_ZT) * 0.01
    d1, d2 = dist(zs, zt).item(), dist(zs, zt * 3).item()
    k1, k2 = kl(zs, zt).item(), kl(zs, zt * 3).item()
    assert abs(d2 - d1) < 0.01 * d1
    assert k2 > 5 * k1


def test_kl_cosine_cached_config_is_land_use_kd_loss():
    """The cached KL + cosine row uses the same soft loss as land-use KD."""
    from mmengine.config import Config
    online = Config.fromfile('configs/lukd/lukd_r18w32-vit-t8_mnv2w025_'
                             '1xb64-3e_eurosat-64px.py')
    cached, _ = _config_losses('fastkd/fastkd-kl-cos')
    lukd = MODELS.build(online.model.distiller.distill_losses.loss_soft)
    assert cached['loss_soft'](_t(DIST_ZS), _t(DIST_ZT)).item() == \
        pytest.approx(lukd(_t(DIST_ZS), _t(DIST_ZT)).item(), rel=1e-12)
