# Copyright (c) rskd_mm contributors. All rights reserved.
"""The fused Triton kernel of angle KD against the naive form: on the CPU
through Triton's interpreter, so that CI covers it without a GPU, and on
CUDA when one is present.

``TRITON_INTERPRET=1`` must be set before triton is first imported (triton
builds its own ``tl`` helpers at import), so the interpreted checks run in
a child process that starts with it (:func:`measure`)."""
import json
import subprocess
import sys

import pytest
import torch

pytest.importorskip('triton')

from ..conftest import REPO_ROOT, subprocess_env  # noqa: E402

# N = 37, 70 and 33 are not multiples of the 32-wide tiles; D_S != D_T
CASES = [('random', 37, 8, 12), ('random', 70, 16, 5),
         ('duplicates', 37, 8, 12), ('zeros', 33, 6, 6)]


def make_case(kind, n, ds, dt, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n, ds, generator=g)
    t = torch.randn(n, dt, generator=g)
    if kind == 'duplicates':  # repeated vectors: zero-length differences
        s[5] = s[2]
        s[9] = s[2]
        t[7] = t[1]
    elif kind == 'zeros':  # zero vectors (e.g. dead ReLU positions)
        s[3] = 0
        s[4] = 0
        t[4] = 0
    return s, t


def naive_loss(s, t, beta=1.0):
    """The naive triplet form (float64 in the tests) with the project's
    convention for pairs without a direction (duplicate vectors): their
    unit difference is 0, as ``F.normalize`` gives, and so is their
    gradient (``F.normalize``'s own gradient there is 1/eps)."""
    import torch.nn.functional as F

    def potentials(x):
        diff = x.unsqueeze(0) - x.unsqueeze(1)
        sq = (diff * diff).sum(2, keepdim=True)
        valid = sq > 1e-20
        norm = torch.where(valid, sq, torch.ones_like(sq)).sqrt()
        unit = torch.where(valid, diff / norm, torch.zeros_like(diff))
        return torch.bmm(unit, unit.transpose(1, 2))

    return F.smooth_l1_loss(potentials(s), potentials(t), beta=beta)


def relative_errors(kind, n, ds, dt, device='cpu', teacher_grad=True):
    """Relative error (norm) of the kernel's loss and gradients against
    the naive form computed in float64."""
    from rskd_mm.models.losses.angle_kd import (angle_kd_loss,
                                                angle_kd_loss_naive)
    s, t = make_case(kind, n, ds, dt)
    s64 = s.double().requires_grad_()
    t64 = t.double().requires_grad_()
    ref = naive_loss(s64, t64)
    # the same value as the plain naive form (mmrazor's)
    assert abs(
        float(ref) - float(angle_kd_loss_naive(s.double(), t.double()))
    ) <= 1e-12 * max(1.0, abs(float(ref)))
    ref_gs, ref_gt = torch.autograd.grad(ref, (s64, t64))
    s32 = s.to(device).requires_grad_()
    t32 = t.to(device).requires_grad_(teacher_grad)
    loss = angle_kd_loss(s32, t32, backend='triton')
    loss.backward()

    def rel(a, b):
        a = a.detach().cpu().double()
        return float((a - b).norm() / b.norm().clamp_min(1e-30))

    out = dict(loss=rel(loss, ref.detach()), grad_s=rel(s32.grad, ref_gs))
    if teacher_grad:
        out['grad_t'] = rel(t32.grad, ref_gt)
    return out


def measure():
    """Run in the child process (TRITON_INTERPRET=1): print every case."""
    res = {
        f'{k}-{n}-{ds}-{dt}': relative_errors(k, n, ds, dt)
        for k, n, ds, dt in CASES
    }
    # a frozen teacher: the kernel skips the teacher's accumulators
    res['student-only'] = relative_errors(
        'random', 40, 8, 12, teacher_grad=False)
    print(json.dumps(res))


@pytest.fixture(scope='module')
def interpreted():
    code = ('from tests.test_models.test_angle_kd_triton import measure; '
            'measure()')
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=REPO_ROOT,
                          env=subprocess_env(TRITON_INTERPRET='1'),
                          capture_output=True,
                          text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize('case',
                         [f'{k}-{n}-{ds}-{dt}'
                          for k, n, ds, dt in CASES] + ['student-only'])
def test_triton_kernel_matches_naive_interpreted(interpreted, case):
    errors = interpreted[case]
    assert set(errors) >= {'loss', 'grad_s'}
    assert all(v <= 1e-5 for v in errors.values()), errors


def test_triton_backend_refuses_cpu_tensors_without_interpreter(monkeypatch):
    from rskd_mm.models.losses.angle_kd import angle_kd_loss
    monkeypatch.delenv('TRITON_INTERPRET', raising=False)
    s, t = make_case('random', 8, 4, 4)
    with pytest.raises(RuntimeError, match="backend='triton' needs CUDA"):
        angle_kd_loss(s, t, backend='triton')


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('kind,n,ds,dt', CASES + [('random', 300, 64, 32)])
def test_triton_kernel_matches_naive_on_cuda(kind, n, ds, dt):
    errors = relative_errors(kind, n, ds, dt, device='cuda')
    assert all(v <= 1e-5 for v in errors.values()), errors
