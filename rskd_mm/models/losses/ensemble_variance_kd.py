# Copyright (c) rskd_mm contributors. All rights reserved.
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from rskd_mm.registry import RAZOR_MODELS as MODELS
from .logit_standard_kd import standardize_logits
from .utils import (check_logits, check_non_negative, check_positive,
                    check_reduction, reduce_per_sample)


def member_disagreement(*member_logits: torch.Tensor) -> torch.Tensor:
    r"""Per-sample disagreement of ensemble members, in [0, 1].

    .. math::

        d_i = \frac{M}{M-1} \sum_c \mathrm{Var}_m\big(p_{m,c}(x_i)\big)
            = \frac{M}{M-1}\Big(\frac1M\sum_m \lVert p_m\rVert^2
              - \lVert\bar p\rVert^2\Big)

    with :math:`p_m = \mathrm{softmax}(z_m)` the members' probabilities
    (population variance over the :math:`M` members). :math:`d_i = 0` when
    the members agree exactly; :math:`d_i = 1` when they are one-hot on
    different classes (the largest possible value).

    Args:
        *member_logits: M >= 2 tensors of shape (N, C).

    Returns:
        Tensor: (N,).
    """
    if len(member_logits) < 2:
        raise ValueError('member_disagreement needs the logits of at least '
                         f'2 members, got {len(member_logits)}')
    # at least float32 (half-precision logits under AMP), float64 kept
    probs = torch.stack([
        F.softmax(z.to(torch.promote_types(z.dtype, torch.float32)), dim=1)
        for z in member_logits
    ])
    m = probs.shape[0]
    var = probs.var(dim=0, unbiased=False).sum(dim=1)
    return (var * m / (m - 1)).clamp(0, 1)


def ensemble_variance_kd_loss(preds_S: torch.Tensor,
                              preds_T: torch.Tensor,
                              member_logits,
                              tau: float = 4.0,
                              alpha: float = 1.0,
                              beta: float = 0.0,
                              standardize: bool = False,
                              normalize: bool = True,
                              reduction: str = 'batchmean') -> torch.Tensor:
    r"""KD weighted (and optionally softened) per sample by the ensemble's
    member disagreement.

    .. math::

        w_i = (1 - d_i)^{\alpha},\quad \tau_i = \tau\,(1 + \beta d_i),\quad
        \mathcal{L} = \frac{1}{\sum_j w_j / N}\,\frac1N \sum_i w_i\,\tau_i^2\,
        \mathrm{KL}\big(\mathrm{softmax}(g(z_{T,i})/\tau_i)\,\big\|\,
        \mathrm{softmax}(g(z_{S,i})/\tau_i)\big)

    with :math:`d_i` from :func:`member_disagreement`, :math:`g` the
    identity or :func:`standardize_logits` (``standardize``), and the
    leading factor present when ``normalize`` (the weights then average 1
    over the batch, so the KD term keeps plain KD's scale). Weights and
    temperatures are computed without gradient.

    Args:
        preds_S, preds_T: student and fused-teacher logits (N, C).
        member_logits (Sequence[Tensor]): the members' logits, each (N, C).
        tau, alpha, beta, standardize, normalize: see the formula.
        reduction: ``'batchmean'``/``'mean'``, ``'sum'`` or ``'none'`` (N,).
    """
    with torch.no_grad():
        d = member_disagreement(*member_logits)
        w = (1 - d).clamp_min(0)**alpha
        if normalize:
            w = w / w.mean().clamp_min(1e-12)
        t = (tau * (1 + beta * d)).unsqueeze(1)
    if standardize:
        preds_S = standardize_logits(preds_S)
        preds_T = standardize_logits(preds_T)
    log_p_s = F.log_softmax(preds_S / t, dim=1)
    log_p_t = F.log_softmax(preds_T / t, dim=1)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1)
    per_sample = w * t.squeeze(1)**2 * kl
    return reduce_per_sample(per_sample, reduction)


@MODELS.register_module()
class RSKDEnsembleVarianceKD(nn.Module):
    r"""Ensemble-variance-aware KD: the CNN and ViT members' disagreement on
    a sample sets its KD weight (and optionally its temperature).

    One reading of HMKD-Net's "handling the variances during the KD phase":
    where the hybrid teacher's members disagree (high variance of their
    probabilities), its fused target is least reliable, so that sample's KD
    term is down-weighted (:math:`\alpha`) and/or its target softened
    (:math:`\beta`); see :func:`ensemble_variance_kd_loss`:

    .. math::

        \mathcal{L} = \lambda\,\frac{1}{\bar w}\,\frac1N \sum_i w_i\,
        \tau_i^2\,\mathrm{KL}\big(p_T^{\tau_i}\,\|\,p_S^{\tau_i}\big),\quad
        w_i = (1-d_i)^{\alpha},\ \tau_i = \tau(1+\beta d_i)

    Related work: per-sample reliability weighting of ensemble teachers
    (Du et al., "Agree to Disagree: Adaptive Ensemble Knowledge
    Distillation in Gradient Space", NeurIPS 2020; Zhang et al.,
    "Confidence-Aware Multi-Teacher Knowledge Distillation", ICASSP 2022).
    With ``alpha=0, beta=0`` it is plain KD (mmrazor's ``KLDivergence``).

    Paper (the claim this reading tests): HMKD-Net, Song et al., IET
    Cyber-Systems and Robotics 2024, https://doi.org/10.1049/csy2.12120.

    Config (the members' logits are recorded from the ensemble teacher)::

        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='fusion'),
            cnn=dict(type='ModuleOutputs', source='members.0.head.fc'),
            vit=dict(type='ModuleOutputs',
                     source='members.1.head.layers.head')),
        distill_losses=dict(loss_evkd=dict(
            type='RSKDEnsembleVarianceKD', tau=4.0, alpha=1.0)),
        loss_forward_mappings=dict(loss_evkd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'),
            member_a=dict(from_student=False, recorder='cnn'),
            member_b=dict(from_student=False, recorder='vit')))

    Args:
        tau (float): base temperature (> 0). Defaults to 4.0.
        alpha (float): weight exponent (>= 0). Defaults to 1.0.
        beta (float): temperature increase at full disagreement (>= 0).
            Defaults to 0.0.
        standardize (bool): z-score both logit vectors first (logit
            standardisation). Defaults to False.
        normalize (bool): rescale the weights to average 1 over the batch.
            Defaults to True.
        loss_weight (float): :math:`\lambda` (>= 0). Defaults to 1.0.
        reduction (str): ``'batchmean'`` (default), ``'mean'``, ``'sum'`` or
            ``'none'``.

    Shapes: ``preds_S``, ``preds_T`` and each member are (N, C) logits.
    """

    def __init__(self,
                 tau: float = 4.0,
                 alpha: float = 1.0,
                 beta: float = 0.0,
                 standardize: bool = False,
                 normalize: bool = True,
                 loss_weight: float = 1.0,
                 reduction: str = 'batchmean') -> None:
        super().__init__()
        name = type(self).__name__
        self.tau = check_positive('tau', tau, name)
        self.alpha = check_non_negative('alpha', alpha, name)
        self.beta = check_non_negative('beta', beta, name)
        self.standardize = bool(standardize)
        self.normalize = bool(normalize)
        self.loss_weight = check_non_negative('loss_weight', loss_weight, name)
        self.reduction = check_reduction(reduction, name)

    def forward(self,
                preds_S: torch.Tensor,
                preds_T: torch.Tensor,
                member_a: torch.Tensor,
                member_b: torch.Tensor,
                member_c: Optional[torch.Tensor] = None) -> torch.Tensor:
        name = type(self).__name__
        check_logits(preds_S, preds_T, name)
        members = [m for m in (member_a, member_b, member_c) if m is not None]
        for m in members:
            check_logits(preds_T, m, name)
        return self.loss_weight * ensemble_variance_kd_loss(
            preds_S, preds_T.detach(), [m.detach() for m in members], self.tau,
            self.alpha, self.beta, self.standardize, self.normalize,
            self.reduction)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, alpha={self.alpha}, beta={self.beta}, '
                f'standardize={self.standardize}, '
                f'loss_weight={self.loss_weight}')
