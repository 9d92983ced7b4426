# Copyright (c) rskd_mm contributors. All rights reserved.
"""Argument checks and reductions shared by rskd_mm's losses."""
import torch

REDUCTIONS = ('none', 'batchmean', 'sum', 'mean')


def check_positive(name: str, value: float, cls: str) -> float:
    if not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f'{cls}: {name} must be a positive number, '
                         f'got {value!r}')
    return float(value)


def check_non_negative(name: str, value: float, cls: str) -> float:
    if not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f'{cls}: {name} must be a number >= 0, '
                         f'got {value!r}')
    return float(value)


def check_reduction(reduction: str, cls: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f'{cls}: reduction must be one of {REDUCTIONS}, '
                         f'got {reduction!r}')
    return reduction


def check_logits(preds_S: torch.Tensor, preds_T: torch.Tensor,
                 cls: str) -> None:
    if preds_S.shape != preds_T.shape:
        raise ValueError(
            f'{cls}: student and teacher outputs differ in shape, '
            f'{tuple(preds_S.shape)} vs {tuple(preds_T.shape)}; do teacher '
            'and student have the same number of classes?')
    if preds_S.dim() != 2:
        raise ValueError(f'{cls}: expects logits of shape (N, C), got '
                         f'{tuple(preds_S.shape)}')


def reduce_per_sample(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce a per-sample loss of shape (N,).

    ``'batchmean'`` and ``'mean'`` both average over the batch here, since
    the class dimension is already summed (as ``F.kl_div(...,
    reduction='batchmean')`` does).
    """
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    return loss.mean()
