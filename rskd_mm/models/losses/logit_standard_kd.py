# Copyright (c) rskd_mm contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from rskd_mm.registry import RAZOR_MODELS as MODELS
from .utils import (check_logits, check_non_negative, check_positive,
                    check_reduction, reduce_per_sample)


def standardize_logits(logits: torch.Tensor,
                       eps: float = 1e-7) -> torch.Tensor:
    r"""Z-score each sample's logits over the classes.

    .. math:: \mathcal{Z}(z) = \frac{z - \bar z}{\sigma(z) + \epsilon}

    with :math:`\sigma` the (Bessel-corrected) standard deviation over the
    class dimension, as in the reference implementation of Sun et al.

    Args:
        logits: (N, C).
        eps: added to the standard deviation.
    """
    mean = logits.mean(dim=-1, keepdim=True)
    std = logits.std(dim=-1, keepdim=True)
    return (logits - mean) / (std + eps)


def logit_standard_kd_loss(preds_S: torch.Tensor,
                           preds_T: torch.Tensor,
                           tau: float = 2.0,
                           eps: float = 1e-7,
                           reduction: str = 'batchmean') -> torch.Tensor:
    r"""KL divergence between temperature-softmaxes of standardised logits.

    .. math::

        \mathcal{L} = \tau^2\,
        \mathrm{KL}\Big(\mathrm{softmax}\big(\mathcal{Z}(z_T)/\tau\big)\,\Big\|\,
        \mathrm{softmax}\big(\mathcal{Z}(z_S)/\tau\big)\Big)

    Standardising removes each sample's logit shift and scale, so the student
    matches the teacher's *relations* between classes instead of its logit
    range: a student whose logits have a smaller variance than a large
    (ensemble) teacher's is not penalised for it.

    Args:
        preds_S: student logits (N, C).
        preds_T: teacher logits (N, C).
        tau: temperature.
        eps: see :func:`standardize_logits`.
        reduction: ``'batchmean'`` / ``'mean'`` (mean over samples of the
            per-sample KL), ``'sum'`` or ``'none'`` (N,).
    """
    log_p_s = F.log_softmax(standardize_logits(preds_S, eps) / tau, dim=1)
    log_p_t = F.log_softmax(standardize_logits(preds_T, eps) / tau, dim=1)
    per_sample = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1)
    return reduce_per_sample(per_sample, reduction) * tau**2


@MODELS.register_module()
class RSKDLogitStandardKD(nn.Module):
    r"""Variance-normalised KD: KD on per-sample standardised logits.

    Paper: Sun et al., CVPR 2024, https://arxiv.org/abs/2403.01427; used as
    HMKD-Net's variance handling (https://doi.org/10.1049/csy2.12120).

    The KD loss of HMKD-Net's student training, which handles the variance of
    the (ensemble) teacher's logits: both logit vectors are z-scored per
    sample before the temperature softmax (the *logit standardization* of
    Sun et al., "Logit Standardization in Knowledge Distillation", CVPR 2024),
    then compared with the :math:`\tau^2`-scaled KL divergence:

    .. math::

        \mathcal{L} = w\,\tau^2\,
        \mathrm{KL}\Big(\mathrm{softmax}\big(\mathcal{Z}(z_T)/\tau\big)\,\Big\|\,
        \mathrm{softmax}\big(\mathcal{Z}(z_S)/\tau\big)\Big),\quad
        \mathcal{Z}(z) = \frac{z - \bar z}{\sigma(z) + \epsilon}

    Args:
        tau (float): temperature (> 0). Defaults to 2.0.
        loss_weight (float): :math:`w` (>= 0). Defaults to 1.0.
        eps (float): added to the std. Defaults to 1e-7.
        reduction (str): ``'batchmean'`` (default), ``'mean'``, ``'sum'`` or
            ``'none'``.
        teacher_detach (bool): stop gradients into the teacher's logits.
            Defaults to True.

    Shapes: ``preds_S`` and ``preds_T`` are (N, C) logits; the output is a
    scalar, or (N,) with ``reduction='none'``.
    """

    def __init__(self,
                 tau: float = 2.0,
                 loss_weight: float = 1.0,
                 eps: float = 1e-7,
                 reduction: str = 'batchmean',
                 teacher_detach: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.tau = check_positive('tau', tau, name)
        self.loss_weight = check_non_negative('loss_weight', loss_weight, name)
        self.eps = check_positive('eps', eps, name)
        self.reduction = check_reduction(reduction, name)
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        check_logits(preds_S, preds_T, type(self).__name__)
        if self.teacher_detach:
            preds_T = preds_T.detach()
        return self.loss_weight * logit_standard_kd_loss(
            preds_S, preds_T, self.tau, self.eps, self.reduction)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, loss_weight={self.loss_weight}, '
                f'reduction={self.reduction!r}')
