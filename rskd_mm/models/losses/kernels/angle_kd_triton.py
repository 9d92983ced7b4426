# Copyright (c) rskd_mm contributors. All rights reserved.
"""A fused Triton kernel for the angle-KD triplet sweep.

It computes what the torch chunk kernel ``_angle_chunk`` of
:mod:`rskd_mm.models.losses.angle_kd` computes, for all vertices at once,
without any ``C x N x N`` temporary: one program owns a ``BLOCK_B x
BLOCK_C`` tile of ``(b, c)`` pairs and loops over every vertex ``a``,

    M[a, b, c] = G[b, c] - G[a, b] - G[a, c] + G[a, a]
    A[a, b, c] = M[a, b, c] r[a, b] r[a, c]
    loss      += w huber(A_S - A_T)
    W          = w clamp(A_S - A_T, -beta, beta) / beta

and accumulates, per model that needs a gradient (sign +1 for the student,
-1 for the teacher, ``V = sign W r[a, b] r[a, c]``):

    dG[b, c]  = sum_a V                      (owned by the tile: no atomics)
    row[a, b] = sum_c V                      (atomic adds over c tiles)
    dr[a, b]  = 2 sum_c sign W M r[a, c]     (atomic adds over c tiles)

Memory: the inputs and outputs are ``N x N`` matrices, nothing else.
The torch path stays the CPU path and the reference; the kernel runs on
CUDA, and on the CPU through Triton's interpreter (``TRITON_INTERPRET=1``),
which is how the tests check it without a GPU.
"""
import torch

__all__ = ['triton_available', 'angle_sweep_triton']


def triton_available(device: torch.device) -> bool:
    """True when the kernel can run on ``device``: triton importable and
    the tensors on CUDA, or any device under ``TRITON_INTERPRET=1``."""
    import os
    try:
        import triton  # noqa: F401
    except Exception:  # pragma: no cover - CPU-only builds without triton
        return False
    if os.environ.get('TRITON_INTERPRET') == '1':
        return True
    return torch.device(device).type == 'cuda'


try:
    import triton.language as tl
except Exception:  # pragma: no cover - CPU-only builds without triton
    tl = None

if tl is not None:

    def akd_sweep(Gs, Gt, Rs, Rt, loss_ptr, dGs, rows, drs, dGt, rowt, drt, N,
                  w, beta, GRAD_S: tl.constexpr, GRAD_T: tl.constexpr,
                  BLOCK_B: tl.constexpr, BLOCK_C: tl.constexpr):
        pid_b = tl.program_id(0)
        pid_c = tl.program_id(1)
        ob = pid_b * BLOCK_B + tl.arange(0, BLOCK_B)
        oc = pid_c * BLOCK_C + tl.arange(0, BLOCK_C)
        mb = ob < N
        mc = oc < N
        m2 = mb[:, None] & mc[None, :]
        bc = ob[:, None] * N + oc[None, :]
        gs_bc = tl.load(Gs + bc, mask=m2, other=0.0)
        gt_bc = tl.load(Gt + bc, mask=m2, other=0.0)
        acc_s = tl.zeros((BLOCK_B, BLOCK_C), dtype=tl.float32)
        acc_t = tl.zeros((BLOCK_B, BLOCK_C), dtype=tl.float32)
        loss = tl.zeros((BLOCK_B, BLOCK_C), dtype=tl.float32)
        for a in range(0, N):
            row = a * N
            gs_ab = tl.load(Gs + row + ob, mask=mb, other=0.0)
            gs_ac = tl.load(Gs + row + oc, mask=mc, other=0.0)
            gt_ab = tl.load(Gt + row + ob, mask=mb, other=0.0)
            gt_ac = tl.load(Gt + row + oc, mask=mc, other=0.0)
            gs_aa = tl.load(Gs + row + a)
            gt_aa = tl.load(Gt + row + a)
            # r is 0 outside the matrix (masked loads): padding adds nothing
            rs_ab = tl.load(Rs + row + ob, mask=mb, other=0.0)
            rs_ac = tl.load(Rs + row + oc, mask=mc, other=0.0)
            rt_ab = tl.load(Rt + row + ob, mask=mb, other=0.0)
            rt_ac = tl.load(Rt + row + oc, mask=mc, other=0.0)
            ms = gs_bc - gs_ab[:, None] - gs_ac[None, :] + gs_aa
            mt = gt_bc - gt_ab[:, None] - gt_ac[None, :] + gt_aa
            rrs = rs_ab[:, None] * rs_ac[None, :]
            rrt = rt_ab[:, None] * rt_ac[None, :]
            d = ms * rrs - mt * rrt
            ad = tl.abs(d)
            huber = tl.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
            loss += huber
            wd = tl.minimum(tl.maximum(d, -beta), beta) / beta * w
            if GRAD_S:
                v = wd * rrs
                acc_s += v
                tl.atomic_add(rows + row + ob, tl.sum(v, 1), mask=mb)
                tl.atomic_add(
                    drs + row + ob,
                    2.0 * tl.sum(wd * ms * rs_ac[None, :], 1),
                    mask=mb)
            if GRAD_T:
                v = -wd * rrt
                acc_t += v
                tl.atomic_add(rowt + row + ob, tl.sum(v, 1), mask=mb)
                tl.atomic_add(
                    drt + row + ob,
                    -2.0 * tl.sum(wd * mt * rt_ac[None, :], 1),
                    mask=mb)
        if GRAD_S:
            tl.store(dGs + bc, acc_s, mask=m2)
        if GRAD_T:
            tl.store(dGt + bc, acc_t, mask=m2)
        tl.atomic_add(loss_ptr, tl.sum(tl.sum(loss, 1), 0) * w)


_KERNEL = {}


def _kernel():
    """The jitted kernel, made on first use: ``triton.jit`` reads
    ``TRITON_INTERPRET`` when it wraps the function (the tests switch the
    interpreter on and rebuild it)."""
    if 'k' not in _KERNEL:
        import triton
        _KERNEL['k'] = triton.jit(akd_sweep)
    return _KERNEL['k']


def angle_sweep_triton(Gs: torch.Tensor,
                       Gt: torch.Tensor,
                       rs: torch.Tensor,
                       rt: torch.Tensor,
                       beta: float,
                       grad_s: bool,
                       grad_t: bool,
                       block: int = 32):
    """The whole triplet sweep on float32 ``(N, N)`` Gram and inverse
    distance matrices.

    Returns:
        ``loss`` (scalar, the mean over the N^3 triplets) and, per model
        needing a gradient, ``(dG, row, dr)``: ``dG[b, c] = sum_a V``,
        ``row[a, b] = sum_c V`` and ``dr[a, b]`` as in the torch chunk
        kernel (summed over every vertex).
    """
    import triton
    n = Gs.shape[0]
    f32 = dict(dtype=torch.float32, device=Gs.device)
    Gs, Gt, rs, rt = (
        t.to(torch.float32).contiguous() for t in (Gs, Gt, rs, rt))
    loss = torch.zeros((), **f32)
    empty = torch.zeros(1, **f32)

    def outs(need):
        if not need:
            return empty, empty, empty
        return (torch.zeros(n, n, **f32), torch.zeros(n, n, **f32),
                torch.zeros(n, n, **f32))

    s_out, t_out = outs(grad_s), outs(grad_t)
    grid = (triton.cdiv(n, block), triton.cdiv(n, block))
    _kernel()[grid](
        Gs,
        Gt,
        rs,
        rt,
        loss,
        *s_out,
        *t_out,
        n,
        1.0 / float(n)**3,
        float(beta),
        GRAD_S=bool(grad_s),
        GRAD_T=bool(grad_t),
        BLOCK_B=block,
        BLOCK_C=block)
    result = [loss]
    if grad_s:
        result += list(s_out)
    if grad_t:
        result += list(t_out)
    return tuple(result)
