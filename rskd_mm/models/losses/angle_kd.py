# Copyright (c) rskd_mm contributors. All rights reserved.
"""Angle knowledge distillation (AKD) on dense features, memory-efficient.

The angle potential of Park et al., "Relational Knowledge Distillation"
(CVPR 2019): for feature vectors ``x_1..x_N``, the cosine of the angle at
vertex ``a`` of the triplet ``(b, a, c)`` is

    A[a, b, c] = <x_b - x_a, x_c - x_a> / (|x_b - x_a| |x_c - x_a|)

(0 where ``b == a`` or ``c == a``), and the loss is the mean over all N^3
triplets of ``smooth_l1(A_S - A_T)``, the form of mmrazor's ``AngleWiseRKD``.

The naive form builds an N x N x D difference tensor and the N x N x N angle
tensor. Here everything follows from the Gram matrix ``G = X X^T``:

    <x_b - x_a, x_c - x_a> = G[b, c] - G[a, b] - G[a, c] + G[a, a]
    |x_b - x_a|^2          = G[a, a] + G[b, b] - 2 G[a, b]

The triplets are visited in chunks of vertices (``C x N x N`` per chunk, at
most a few MB), and the gradient with respect to the Gram matrix is
accumulated analytically in the same pass, so no chunk's temporaries are
kept for the backward pass: the memory is O(N^2 + N D) plus one chunk. The
chunk kernel is a pure function of tensors; ``backend='compile'`` hands it
to ``torch.compile`` (one fused loop per reduction instead of a chain of
N^3-sized elementwise temporaries), ``'eager'`` runs it as written. The
features are centred before the Gram matrix is formed (angles do not change
under translation), which keeps the cancellation in the distances small, and
the Gram matrix and distances are computed in float64.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from rskd_mm.registry import RAZOR_MODELS as MODELS
from .utils import check_non_negative, check_positive

_BACKENDS = ('auto', 'compile', 'eager', 'triton', 'naive')

#: bytes per chunk element of the torch chunk kernel (about 12 float32
#: temporaries of C x N x N in eager mode)
_CHUNK_BYTES_PER_ELEMENT = 12 * 4
#: the CPU default budget: 4M elements (16 MB) per chunk tensor, the chunk
#: size the CPU benchmarks were measured with
_CPU_BUDGET = _CHUNK_BYTES_PER_ELEMENT * (1 << 22)
#: the CUDA default: this share of the free device memory
_CUDA_BUDGET_FRACTION = 0.25


def angle_potentials_naive(x: torch.Tensor) -> torch.Tensor:
    """The N x N x N angle tensor built directly (mmrazor's ``angle``).

    ``out[a, b, c]`` is the cosine at vertex ``a``. For reference and
    tests; it needs O(N^2 D + N^3) memory.
    """
    diff = x.unsqueeze(0) - x.unsqueeze(1)  # diff[a, b] = x_b - x_a
    unit = F.normalize(diff, p=2, dim=2)
    return torch.bmm(unit, unit.transpose(1, 2))


def angle_potentials_safe(x: torch.Tensor) -> torch.Tensor:
    """:func:`angle_potentials_naive` with a zero gradient for pairs
    without a direction (duplicate vectors), where ``F.normalize``'s own
    gradient is ``1 / eps``: the convention of the efficient forms."""
    diff = x.unsqueeze(0) - x.unsqueeze(1)
    sq = (diff * diff).sum(2, keepdim=True)
    valid = sq > 0
    norm = torch.where(valid, sq, torch.ones_like(sq)).sqrt()
    unit = torch.where(valid, diff / norm, torch.zeros_like(diff))
    return torch.bmm(unit, unit.transpose(1, 2))


def memory_budget_bytes(memory_budget: Optional[float],
                        device: torch.device) -> int:
    """The work-size budget in bytes: ``memory_budget`` bytes (> 1), a
    share of the free memory (<= 1: of the free CUDA memory, or of the
    available system memory on the CPU), or by default a quarter of the
    free CUDA memory, and on the CPU 192 MiB (4M-element chunks)."""
    device = torch.device(device)
    if memory_budget is not None and memory_budget <= 0:
        raise ValueError(f'AKD: memory_budget must be > 0, got '
                         f'{memory_budget!r}')
    if memory_budget is not None and memory_budget > 1:
        return int(memory_budget)
    if device.type == 'cuda':
        free, _ = torch.cuda.mem_get_info(device)
        share = _CUDA_BUDGET_FRACTION if memory_budget is None \
            else memory_budget
        return int(free * share)
    if memory_budget is None:
        return _CPU_BUDGET
    import os
    avail = os.sysconf('SC_AVPHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    return int(avail * memory_budget)


def naive_bytes(n: int, d_s: int, d_t: int) -> int:
    """Peak bytes of the naive form's forward and backward (float32): the
    N x N x D differences and their gradients, and about 3.5 N^3-sized
    angle tensors (calibrated on the H100 run of configs/dpctnet/README.md:
    18.4 GB measured at N = 1024, D = 256; this gives 19.3 GB)."""
    return 4 * ((7 * n**3) // 2 + 2 * n * n * (d_s + d_t))


def angle_kd_loss_naive(preds_S: torch.Tensor,
                        preds_T: torch.Tensor,
                        beta: float = 1.0) -> torch.Tensor:
    """Naive AKD for one set of vectors ``(N, D_S)`` vs ``(N, D_T)``."""
    return F.smooth_l1_loss(
        angle_potentials_naive(preds_S),
        angle_potentials_naive(preds_T),
        beta=beta)


# ---------------------------------------------------------------------------
# The chunk kernel: vertices a in the chunk, all (b, c)
# ---------------------------------------------------------------------------
def _angle_chunk(Gs: torch.Tensor, Gt: torch.Tensor, rows_s: torch.Tensor,
                 rows_t: torch.Tensor, diag_s: torch.Tensor,
                 diag_t: torch.Tensor, rs: torch.Tensor, rt: torch.Tensor,
                 weight: torch.Tensor, beta: float, grad_s: bool,
                 grad_t: bool):
    """Loss and Gram-gradient pieces for a chunk of C vertices.

    Args:
        Gs, Gt: (N, N) Gram matrices of student and teacher.
        rows_s, rows_t: (C, N) their rows for the chunk's vertices.
        diag_s, diag_t: (C,) ``G[a, a]``.
        rs, rt: (C, N) ``1 / |x_b - x_a|`` (0 for ``b == a``).
        weight: (C,) weight of each vertex (0 for padding).

    Returns:
        ``loss`` (scalar) and, per model needing a gradient, ``dG`` (N, N:
        the gradient through the ``G[b, c]`` term), ``row`` (C, N: the row
        sums of the gradient of the numerator) and ``dr`` (C, N: the
        gradient with respect to ``r[a, b]``).
    """
    w = weight[:, None, None]
    Ms = Gs[None] - rows_s[:, :, None] - rows_s[:, None, :] + \
        diag_s[:, None, None]
    Mt = Gt[None] - rows_t[:, :, None] - rows_t[:, None, :] + \
        diag_t[:, None, None]
    As = Ms * rs[:, :, None] * rs[:, None, :]
    At = Mt * rt[:, :, None] * rt[:, None, :]
    d = As - At
    ad = d.abs()
    huber = torch.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    loss = (huber * w).sum()
    out = [loss]
    W = d.clamp(-beta, beta) / beta * w  # d huber / d A_S
    for need, sign, M, r in ((grad_s, 1.0, Ms, rs), (grad_t, -1.0, Mt, rt)):
        if not need:
            continue
        V = (sign * W) * r[:, :, None] * r[:, None, :]  # d loss / d M
        out += [
            V.sum(0),
            V.sum(2),
            2.0 * ((sign * W) * M * r[:, None, :]).sum(2),
        ]
    return tuple(out)


_compiled = {}


def _chunk_fn(backend: str):
    if backend == 'eager':
        return _angle_chunk
    if 'fn' not in _compiled:
        _compiled['fn'] = torch.compile(_angle_chunk, dynamic=False)
    return _compiled['fn']


def _resolve_backend(backend: str,
                     device: torch.device,
                     sizes: Optional[Tuple[int, int, int]] = None,
                     budget: Optional[int] = None) -> str:
    if backend != 'auto':
        return backend
    # On CUDA the naive form is faster where it fits (H100, N = 512 and
    # 1024: 4.5x and 4.7x faster than the chunked form, configs/dpctnet/
    # README.md); it is chosen when its peak fits in the budget.
    if (device.type == 'cuda' and sizes is not None and budget is not None
            and naive_bytes(*sizes) <= budget):
        return 'naive'
    # torch.compile needs a C++ compiler on the CPU (inductor) or triton on
    # CUDA; both are normally present where rskd_mm is installed, but the
    # eager kernel is always available.
    try:
        import torch._inductor  # noqa: F401
    except Exception:  # pragma: no cover - exotic builds
        return 'eager'
    if device.type == 'cpu':
        from shutil import which
        return 'compile' if which('g++') or which('c++') else 'eager'
    return 'compile'


def _gram_terms(x: torch.Tensor, eps: float):
    """Centred float64 Gram matrix, its diagonal and ``r = 1/distance``."""
    x64 = x.double()
    xc = x64 - x64.mean(0, keepdim=True)
    G = xc @ xc.t()
    sq = G.diagonal()
    d2 = (sq[:, None] + sq[None, :] - 2.0 * G).clamp_min(0.0)
    d = d2.sqrt()
    # pairs closer than eps (and each point with itself) have no direction:
    # their unit difference is 0, as F.normalize gives for a zero vector
    tol = eps + 1e-6 * (sq[:, None] + sq[None, :]).sqrt()
    valid = d > tol
    valid.fill_diagonal_(False)
    r = torch.where(valid, 1.0 / d.clamp_min(1e-300), torch.zeros_like(d))
    return xc, G, d, r


def _gram_grad_to_x(xc: torch.Tensor, G: torch.Tensor, d: torch.Tensor,
                    r: torch.Tensor, dG: torch.Tensor,
                    dr: torch.Tensor) -> torch.Tensor:
    """Chain rule from (G, r) to the (uncentred) input vectors."""
    # r = 1/d on valid pairs: dr/dd = -r^2; d = sqrt(G_aa + G_bb - 2 G_ab)
    q = dr * (-r * r)  # d loss / d d[a, b] (0 where r == 0)
    p = torch.where(r > 0, q / (2.0 * d.clamp_min(1e-300)),
                    torch.zeros_like(q))
    dG = dG - 2.0 * p
    dG.diagonal().add_(p.sum(1) + p.sum(0))
    dxc = (dG + dG.t()) @ xc
    return dxc - dxc.mean(0, keepdim=True)


def _torch_sweep(Gs32, Gt32, rs32, rt32, Gs, Gt, beta, grad_s, grad_t,
                 chunk_size, backend, device, budget):
    """The triplet sweep in chunks of vertices with the torch kernel; the
    chunk holds as many vertices as ``budget`` bytes allow."""
    n = Gs.shape[0]
    dtype = torch.float32
    if chunk_size is None:
        chunk_size = max(
            1, min(n, budget // (_CHUNK_BYTES_PER_ELEMENT * max(n * n, 1))))
    weight_all = torch.full((n, ),
                            1.0 / float(n)**3,
                            dtype=dtype,
                            device=device)
    fn = _chunk_fn(backend)
    loss = Gs.new_zeros((), dtype=torch.float64)
    acc = {}
    for side, need in (('s', grad_s), ('t', grad_t)):
        if need:
            acc[side] = dict(
                dG=torch.zeros_like(Gs if side == 's' else Gt),
                dr=torch.zeros_like(Gs if side == 's' else Gt))
    for start in range(0, n, chunk_size):
        idx = torch.arange(start, start + chunk_size, device=device)
        real = idx < n
        idx = idx.clamp_max(n - 1)  # pad the last chunk: weight 0
        w = torch.where(real, weight_all[idx],
                        torch.zeros_like(weight_all[idx]))
        res = fn(Gs32, Gt32, Gs32[idx], Gt32[idx],
                 Gs32[idx, idx], Gt32[idx, idx], rs32[idx], rt32[idx], w,
                 float(beta), grad_s, grad_t)
        loss = loss + res[0].double()
        k = 1
        for side in ('s', 't'):
            if side not in acc:
                continue
            dG_bc, row, dr = (t.double() for t in res[k:k + 3])
            k += 3
            a = acc[side]
            a['dG'] += dG_bc
            ridx, rrow, rdr = idx[real], row[real], dr[real]
            # -G[a, b] - G[a, c]: both give the row sums (V is symmetric)
            a['dG'].index_add_(0, ridx, -2.0 * rrow)
            # +G[a, a]
            a['dG'][ridx, ridx] += rrow.sum(1)
            a['dr'].index_add_(0, ridx, rdr)
    return acc, loss


def _triton_sweep(Gs32, Gt32, rs32, rt32, beta, grad_s, grad_t):
    """The triplet sweep with the fused Triton kernel (CUDA, or the
    interpreter), in the accumulator form of :func:`_torch_sweep`."""
    from .kernels.angle_kd_triton import angle_sweep_triton
    res = angle_sweep_triton(Gs32, Gt32, rs32, rt32, beta, grad_s, grad_t)
    loss = res[0].double()
    acc, k = {}, 1
    for side, need in (('s', grad_s), ('t', grad_t)):
        if not need:
            continue
        dG_bc, row, dr = (t.double() for t in res[k:k + 3])
        k += 3
        # -G[a, b] - G[a, c] give the row sums twice (V is symmetric),
        # +G[a, a] their total
        dG = dG_bc - 2.0 * row
        dG.diagonal().add_(row.sum(1))
        acc[side] = dict(dG=dG, dr=dr)
    return acc, loss


def angle_kd_loss_efficient(preds_S: torch.Tensor,
                            preds_T: torch.Tensor,
                            beta: float = 1.0,
                            eps: float = 1e-12,
                            chunk_size: Optional[int] = None,
                            backend: str = 'auto',
                            need_grad: Tuple[bool, bool] = (False, False),
                            memory_budget: Optional[float] = None):
    """Loss value and (optionally) gradients for one set of vectors.

    Returns ``(loss, grad_S, grad_T)``; a gradient is ``None`` unless asked
    for through ``need_grad``. ``memory_budget``: see
    :func:`memory_budget_bytes`.
    """
    n = preds_S.shape[0]
    if preds_T.shape[0] != n:
        raise ValueError(f'AKD: student has {n} vectors, teacher '
                         f'{preds_T.shape[0]}')
    budget = memory_budget_bytes(memory_budget, preds_S.device)
    backend = _resolve_backend(backend, preds_S.device)
    if backend == 'naive':
        raise ValueError('AKD: the naive form has no analytic sweep; use '
                         'angle_kd_loss(..., backend=\'naive\')')
    if backend == 'triton':
        from .kernels.angle_kd_triton import triton_available
        if not triton_available(preds_S.device):
            raise RuntimeError(
                "AKD: backend='triton' needs CUDA tensors and the triton "
                'package (or TRITON_INTERPRET=1 to run the kernel through '
                f"Triton's interpreter); the features are on "
                f'{preds_S.device}')
    dtype = torch.float32
    xs, Gs, ds, rs = _gram_terms(preds_S, eps)
    xt, Gt, dt, rt = _gram_terms(preds_T, eps)
    Gs32, Gt32, rs32, rt32 = (t.to(dtype) for t in (Gs, Gt, rs, rt))
    grad_s, grad_t = need_grad
    if backend == 'triton':
        acc, loss = _triton_sweep(Gs32, Gt32, rs32, rt32, beta, grad_s, grad_t)
    else:
        acc, loss = _torch_sweep(Gs32, Gt32, rs32, rt32, Gs, Gt, beta, grad_s,
                                 grad_t, chunk_size, backend, preds_S.device,
                                 budget)
    grads = []
    for side, (x, G, d, r) in (('s', (xs, Gs, ds, rs)), ('t', (xt, Gt, dt,
                                                               rt))):
        if side in acc:
            g = _gram_grad_to_x(x, G, d, r, acc[side]['dG'], acc[side]['dr'])
            src = preds_S if side == 's' else preds_T
            grads.append(g.to(src.dtype))
        else:
            grads.append(None)
    return loss.to(preds_S.dtype), grads[0], grads[1]


class _AngleKDFunction(torch.autograd.Function):
    """Autograd wrapper: the gradient is computed in the forward pass (one
    sweep over the triplets) and only the (N, D) results are kept."""

    @staticmethod
    def forward(ctx, preds_S, preds_T, beta, eps, chunk_size, backend,
                memory_budget):
        need = (ctx.needs_input_grad[0], ctx.needs_input_grad[1])
        with torch.no_grad():
            loss, g_s, g_t = angle_kd_loss_efficient(preds_S.detach(),
                                                     preds_T.detach(), beta,
                                                     eps, chunk_size, backend,
                                                     need, memory_budget)
        ctx.save_for_backward(*(g for g in (g_s, g_t) if g is not None))
        ctx.need = need
        return loss

    @staticmethod
    def backward(ctx, grad_out):
        saved = list(ctx.saved_tensors)
        g_s = saved.pop(0) * grad_out if ctx.need[0] else None
        g_t = saved.pop(0) * grad_out if ctx.need[1] else None
        return g_s, g_t, None, None, None, None, None


def angle_kd_loss(preds_S: torch.Tensor,
                  preds_T: torch.Tensor,
                  beta: float = 1.0,
                  eps: float = 1e-12,
                  chunk_size: Optional[int] = None,
                  backend: str = 'auto',
                  memory_budget: Optional[float] = None) -> torch.Tensor:
    """AKD for ``(N, D_S)`` and ``(N, D_T)`` vectors, differentiable;
    equals :func:`angle_kd_loss_naive`.

    ``backend='auto'`` takes the naive form on CUDA where its peak memory
    (:func:`naive_bytes`) fits in the budget, else the chunked form, whose
    chunk size follows from the budget (``memory_budget``: bytes, or a
    share of the free memory; default a quarter of the free CUDA memory,
    192 MiB on the CPU; see :func:`memory_budget_bytes`)."""
    if backend not in _BACKENDS:
        raise ValueError(f'AKD: backend must be one of {_BACKENDS}, got '
                         f'{backend!r}')
    preds_S, preds_T = preds_S.float(), preds_T.float()
    if backend == 'auto' and preds_S.device.type == 'cuda':
        n = preds_S.shape[0]
        sizes = (n, preds_S.shape[1], preds_T.shape[1])
        backend = _resolve_backend(
            backend, preds_S.device, sizes,
            memory_budget_bytes(memory_budget, preds_S.device))
    if backend == 'naive':
        return F.smooth_l1_loss(
            angle_potentials_safe(preds_S),
            angle_potentials_safe(preds_T),
            beta=beta)
    return _AngleKDFunction.apply(preds_S, preds_T, beta, eps, chunk_size,
                                  backend, memory_budget)


def _to_vectors(x: torch.Tensor, name: str) -> torch.Tensor:
    """(B, C, H, W) maps or (B, L, C) tokens -> (B, L, C) vectors."""
    if x.dim() == 4:
        return x.flatten(2).transpose(1, 2)
    if x.dim() == 3:
        return x
    if x.dim() == 2:
        return x.unsqueeze(0)
    raise ValueError(f'RSKDAngleKD: {name} must be (B, C, H, W) feature '
                     f'maps, (B, L, C) tokens or (N, C) vectors, got shape '
                     f'{tuple(x.shape)}')


@MODELS.register_module()
class RSKDAngleKD(nn.Module):
    """Angle knowledge distillation (AKD) on dense features.

    Papers: EDP-CTNet's AKD, Zheng et al., IEEE JSTARS 2025,
    https://doi.org/10.1109/JSTARS.2025.3525634; the angle-wise loss of
    Park et al., CVPR 2019, https://arxiv.org/abs/1904.05068.

    The feature maps of teacher and student are pooled to ``pool_size``
    (adaptive average pooling; both to the same grid, so their channel
    counts may differ), optionally L2-normalised per vector, and optionally
    ``num_samples`` positions are drawn (the same ones for teacher and
    student). Per image, the angle potentials of all triplets of the
    resulting N vectors must match (smooth-L1 with ``beta``); the loss is
    the mean over images. Computed from Gram matrices in chunks with an
    analytic gradient (see the module docstring): memory O(N^2 + N D).

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        pool_size (int | tuple, optional): grid the maps are pooled to
            before the angles (N = h * w per image). None keeps the maps'
            own grid (which must then agree). Defaults to (16, 16).
        num_samples (int, optional): draw this many of the N positions at
            random per image and step. Defaults to None (all).
        with_l2_norm (bool): L2-normalise each vector first (as mmrazor's
            ``AngleWiseRKD`` does). Defaults to False.
        beta (float): smooth-L1 threshold. Defaults to 1.0.
        chunk_size (int, optional): vertices per chunk; None derives it
            from ``memory_budget``.
        memory_budget (float, optional): work-size budget: bytes (> 1) or
            a share of the free memory (<= 1). None: a quarter of the free
            CUDA memory, 192 MiB on the CPU (4M elements per chunk
            tensor). On CUDA, ``'auto'`` takes the naive form where it
            fits in the budget (it is faster there).
        backend (str): ``'auto'`` (on CUDA the naive form where it fits
            the budget; else ``torch.compile`` where a compiler is
            available, else eager), ``'naive'``, ``'compile'``, ``'eager'``
            or
            ``'triton'`` (the fused kernel of
            ``rskd_mm/models/losses/kernels/angle_kd_triton.py``: CUDA
            only, or the CPU under ``TRITON_INTERPRET=1``; opt-in until
            its GPU speed is measured, see configs/dpctnet/README.md).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 pool_size: Optional[Union[int, Sequence[int]]] = (16, 16),
                 num_samples: Optional[int] = None,
                 with_l2_norm: bool = False,
                 beta: float = 1.0,
                 eps: float = 1e-12,
                 chunk_size: Optional[int] = None,
                 backend: str = 'auto',
                 memory_budget: Optional[float] = None) -> None:
        super().__init__()
        name = type(self).__name__
        if memory_budget is not None and not memory_budget > 0:
            raise ValueError(f'{name}: memory_budget must be > 0 (bytes, or '
                             f'a share <= 1 of the free memory), got '
                             f'{memory_budget!r}')
        self.memory_budget = memory_budget
        self.loss_weight = check_non_negative('loss_weight', loss_weight, name)
        self.beta = check_positive('beta', beta, name)
        if isinstance(pool_size, int):
            pool_size = (pool_size, pool_size)
        self.pool_size = tuple(pool_size) if pool_size is not None else None
        if num_samples is not None and (not isinstance(num_samples, int)
                                        or num_samples < 3):
            raise ValueError(f'{name}: num_samples must be an int >= 3 or '
                             f'None, got {num_samples!r}')
        self.num_samples = num_samples
        self.with_l2_norm = with_l2_norm
        self.eps = eps
        self.chunk_size = chunk_size
        if backend not in _BACKENDS:
            raise ValueError(f'{name}: backend must be one of {_BACKENDS}, '
                             f'got {backend!r}')
        self.backend = backend

    def _prepare(self, preds_S, preds_T):
        if preds_S.dim() == 4 and preds_T.dim() == 4:
            if self.pool_size is not None:
                preds_S = F.adaptive_avg_pool2d(preds_S, self.pool_size)
                preds_T = F.adaptive_avg_pool2d(preds_T, self.pool_size)
            elif preds_S.shape[-2:] != preds_T.shape[-2:]:
                raise ValueError(
                    f'RSKDAngleKD: student maps {tuple(preds_S.shape)} and '
                    f'teacher maps {tuple(preds_T.shape)} differ in size; '
                    'set pool_size to compare them on one grid')
        vs, vt = _to_vectors(preds_S,
                             'preds_S'), _to_vectors(preds_T, 'preds_T')
        if vs.shape[:2] != vt.shape[:2]:
            raise ValueError(
                f'RSKDAngleKD: student gives {tuple(vs.shape[:2])} '
                f'(images, vectors) but teacher {tuple(vt.shape[:2])}')
        if self.num_samples is not None and self.num_samples < vs.shape[1]:
            idx = torch.stack([
                torch.randperm(vs.shape[1],
                               device=vs.device)[:self.num_samples]
                for _ in range(vs.shape[0])
            ])
            vs = torch.gather(vs, 1, idx[...,
                                         None].expand(-1, -1, vs.shape[2]))
            vt = torch.gather(vt, 1, idx[...,
                                         None].expand(-1, -1, vt.shape[2]))
        if self.with_l2_norm:
            vs, vt = F.normalize(vs, dim=-1), F.normalize(vt, dim=-1)
        return vs, vt

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        vs, vt = self._prepare(preds_S, preds_T)
        if vs.shape[1] < 3:
            raise ValueError(f'RSKDAngleKD: needs at least 3 vectors per '
                             f'image, got {vs.shape[1]}')
        losses = [
            angle_kd_loss(s, t, self.beta, self.eps, self.chunk_size,
                          self.backend, self.memory_budget)
            for s, t in zip(vs, vt)
        ]
        return self.loss_weight * torch.stack(losses).mean()

    def extra_repr(self) -> str:
        return (f'loss_weight={self.loss_weight}, pool_size={self.pool_size}'
                f', num_samples={self.num_samples}, backend={self.backend!r}')


__all__ = [
    'RSKDAngleKD', 'angle_kd_loss', 'angle_kd_loss_naive',
    'angle_potentials_naive', 'angle_potentials_safe',
    'angle_kd_loss_efficient', 'memory_budget_bytes', 'naive_bytes'
]
