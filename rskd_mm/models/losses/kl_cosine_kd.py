# Copyright (c) rskd_mm contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from rskd_mm.registry import RAZOR_MODELS as MODELS
from .utils import (check_logits, check_non_negative, check_positive,
                    check_reduction, reduce_per_sample)

COSINE_INPUTS = ('probs', 'logits')


def kl_cosine_kd_loss(preds_S: torch.Tensor,
                      preds_T: torch.Tensor,
                      tau: float = 4.0,
                      kl_weight: float = 1.0,
                      cos_weight: float = 1.0,
                      cosine_input: str = 'probs',
                      reduction: str = 'batchmean') -> torch.Tensor:
    r"""Weighted sum of the KD KL term and a cosine-dissimilarity term.

    .. math::

        \mathcal{L} = \lambda_{kl}\,\tau^2\,
            \mathrm{KL}\big(p_T^{\tau}\,\|\,p_S^{\tau}\big)
        + \lambda_{cos}\,\big(1 - \cos(u_S, u_T)\big)

    where :math:`p^{\tau} = \mathrm{softmax}(z/\tau)` and :math:`u` is
    :math:`p^{\tau}` (``cosine_input='probs'``) or the raw logits
    (``'logits'``).

    Args:
        preds_S, preds_T: student and teacher logits (N, C).
        reduction: ``'batchmean'``/``'mean'`` (mean over samples), ``'sum'``
            or ``'none'`` (N,).
    """
    log_p_s = F.log_softmax(preds_S / tau, dim=1)
    log_p_t = F.log_softmax(preds_T / tau, dim=1)
    kl = (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=1) * tau**2
    if cosine_input == 'probs':
        u_s, u_t = log_p_s.exp(), log_p_t.exp()
    else:
        u_s, u_t = preds_S, preds_T
    cos = 1.0 - F.cosine_similarity(u_s, u_t, dim=1, eps=1e-8)
    return reduce_per_sample(kl_weight * kl + cos_weight * cos, reduction)


@MODELS.register_module()
class RSKDKLCosineKD(nn.Module):
    r"""Soft loss of land-use KD: KL divergence plus cosine dissimilarity.

    Paper: Chatterjee, "Improved Knowledge Distillation for Land-Use Image
    Classification", 2026, https://arxiv.org/abs/2606.14886.

    The soft term of the VGG16 -> MobileNetV2 land-use classification KD:
    the student matches the teacher's softened distribution (Hinton et al.,
    "Distilling the Knowledge in a Neural Network", 2015, KL with
    :math:`\tau^2` scaling) and its direction in output space (cosine
    similarity). The hard cross-entropy stays the student's own loss
    (``architecture.head.loss``), so the total is
    :math:`\mathcal{L}_{CE} + \mathcal{L}`:

    .. math::

        \mathcal{L} = w\Big[\lambda_{kl}\,\tau^2\,
            \mathrm{KL}\big(\mathrm{softmax}(z_T/\tau)\,\|\,
            \mathrm{softmax}(z_S/\tau)\big)
        + \lambda_{cos}\,\big(1 - \cos(u_S, u_T)\big)\Big]

    Args:
        tau (float): temperature (> 0). Defaults to 4.0.
        kl_weight (float): :math:`\lambda_{kl}` (>= 0). Defaults to 1.0.
        cos_weight (float): :math:`\lambda_{cos}` (>= 0). Defaults to 1.0.
        cosine_input (str): ``'probs'`` compares the softened distributions
            (default), ``'logits'`` the raw logits.
        loss_weight (float): overall :math:`w` (>= 0). Defaults to 1.0.
        reduction (str): ``'batchmean'`` (default), ``'mean'``, ``'sum'`` or
            ``'none'``.
        teacher_detach (bool): stop gradients into the teacher's logits.

    Shapes: ``preds_S`` and ``preds_T`` are (N, C) logits.
    """

    def __init__(self,
                 tau: float = 4.0,
                 kl_weight: float = 1.0,
                 cos_weight: float = 1.0,
                 cosine_input: str = 'probs',
                 loss_weight: float = 1.0,
                 reduction: str = 'batchmean',
                 teacher_detach: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.tau = check_positive('tau', tau, name)
        self.kl_weight = check_non_negative('kl_weight', kl_weight, name)
        self.cos_weight = check_non_negative('cos_weight', cos_weight, name)
        if cosine_input not in COSINE_INPUTS:
            raise ValueError(f'{name}: cosine_input must be one of '
                             f'{COSINE_INPUTS}, got {cosine_input!r}')
        self.cosine_input = cosine_input
        self.loss_weight = check_non_negative('loss_weight', loss_weight, name)
        self.reduction = check_reduction(reduction, name)
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        check_logits(preds_S, preds_T, type(self).__name__)
        if self.teacher_detach:
            preds_T = preds_T.detach()
        return self.loss_weight * kl_cosine_kd_loss(
            preds_S, preds_T, self.tau, self.kl_weight, self.cos_weight,
            self.cosine_input, self.reduction)

    def extra_repr(self) -> str:
        return (f'tau={self.tau}, kl_weight={self.kl_weight}, '
                f'cos_weight={self.cos_weight}, '
                f'cosine_input={self.cosine_input!r}, '
                f'loss_weight={self.loss_weight}')
