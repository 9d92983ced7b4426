# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: memory-efficient angle KD (AKD) vs the naive triplet form.

    python tools/analysis_tools/benchmark_akd.py [--sizes 128 256 512 1024]
        [--dim 256] [--iters 3] [--naive-max-gb 12]
        [--backends compile eager auto triton naive] [--device cpu|cuda]
        [--plot docs/figures/akd_benchmark.png] [--json out.json]

For each number of vectors N (D channels, student and teacher, gradient with
respect to the student), it times forward + backward and measures the peak
tensor memory the loss allocates:

* ``naive``: mmrazor's ``AngleWiseRKD.angle_loss`` (the N x N x D difference
  tensor and the N x N x N angle tensor, autograd through both);
* ``efficient-<backend>``: ``rskd_mm``'s ``angle_kd_loss`` (Gram matrices,
  vertex chunks, analytic gradient), with ``torch.compile`` or eager.

On the CPU, peak memory is the peak of the tensor allocations recorded by
``torch.profiler`` (``profile_memory=True``) during one forward + backward,
the inputs excluded: the memory the loss itself allocates, not the
process's resident size. With ``--device cuda`` (the default where CUDA is
available) times come from CUDA events and peak memory from
``torch.cuda.max_memory_allocated`` over one step, above what was
allocated before it; the table names the device. The naive form is
skipped (and the table says so) where its estimated memory exceeds
``--naive-max-gb``. Times are medians of
``--iters`` runs after one warm-up run (which includes compilation for the
compiled backend; its time is reported separately). Values are compared
with the naive loss where it ran (relative difference).
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

import torch


def naive_loss(s, t):
    # isort: off
    import rskd_mm  # noqa: F401  (compatibility layer before mmrazor)
    from mmrazor.models.losses import AngleWiseRKD
    # isort: on
    return AngleWiseRKD(loss_weight=1.0, with_l2_norm=False).angle_loss(s, t)


def efficient_loss(backend):
    from rskd_mm.models.losses.angle_kd import angle_kd_loss

    def fn(s, t):
        return angle_kd_loss(s, t, backend=backend)

    return fn


def naive_bytes(n, d):
    """Rough upper estimate of the naive form's tensor memory."""
    return 4 * (6 * n * n * d + 6 * n**3)


def _timed(fn, cuda):
    """Seconds of ``fn()`` (CUDA events on a GPU) and its result."""
    if not cuda:
        t = time.perf_counter()
        out = fn()
        return time.perf_counter() - t, out
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    out = fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3, out


def _cuda_peak(fn):
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def run_one(loss_fn, s0, t0, iters):
    s = s0.clone().requires_grad_(True)
    cuda = s0.is_cuda

    def step():
        s.grad = None
        loss = loss_fn(s, t0)
        loss.backward()
        return loss.detach()

    first, value = _timed(step, cuda)  # warm-up (compilation)
    value = float(value)
    times = [_timed(step, cuda)[0] for _ in range(iters)]
    if cuda:
        peak = _cuda_peak(step)
    else:
        from rskd_mm.utils.profiling import peak_tensor_bytes
        peak = peak_tensor_bytes(step)
    return dict(
        value=value,
        first_s=first,
        time_s=statistics.median(times),
        peak_bytes=peak,
        grad=s.grad.detach().clone())


def fmt_bytes(b):
    return f'{b / 2**20:.1f} MiB' if b < 2**30 else f'{b / 2**30:.2f} GiB'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--sizes', nargs='+', type=int, default=[128, 256, 512, 1024])
    p.add_argument('--dim', type=int, default=256)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--naive-max-gb', type=float, default=12.0)
    p.add_argument(
        '--backends',
        nargs='+',
        default=['compile'],
        choices=['compile', 'eager', 'auto', 'triton', 'naive'])
    p.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--plot', default=None)
    p.add_argument('--json', default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import rskd_mm  # noqa: F401  (compat layer before mmrazor)

    rows = []
    for n in args.sizes:
        g = torch.Generator().manual_seed(n)
        s0 = torch.randn(n, args.dim, generator=g).to(args.device)
        t0 = torch.randn(n, args.dim, generator=g).to(args.device)
        methods = []
        if naive_bytes(n, args.dim) <= args.naive_max_gb * 2**30:
            methods.append(('naive', naive_loss))
        else:
            rows.append(
                dict(
                    n=n,
                    method='naive',
                    skipped=(
                        f'estimated {fmt_bytes(naive_bytes(n, args.dim))} > '
                        f'--naive-max-gb {args.naive_max_gb}')))
        methods += [(f'efficient-{b}', efficient_loss(b))
                    for b in args.backends]
        ref = None
        for name, fn in methods:
            r = run_one(fn, s0, t0, args.iters)
            row = dict(
                n=n,
                method=name,
                value=r['value'],
                time_s=r['time_s'],
                first_s=r['first_s'],
                peak_bytes=r['peak_bytes'])
            if name == 'naive':
                ref = r
            elif ref is not None:
                row['rel_diff'] = abs(r['value'] - ref['value']) / abs(
                    ref['value'])
                row['grad_rel_diff'] = float(
                    (r['grad'] - ref['grad']).abs().max() /
                    ref['grad'].abs().max())
                row['speedup'] = ref['time_s'] / r['time_s']
                row['mem_ratio'] = ref['peak_bytes'] / max(r['peak_bytes'], 1)
            rows.append(row)
            print(
                f'N={n} {name}: {r["time_s"]:.3f} s, '
                f'{fmt_bytes(r["peak_bytes"])}',
                flush=True)

    device = (
        torch.cuda.get_device_name() if args.device == 'cuda' else
        f'CPU, {torch.get_num_threads()} threads')
    print(f'\nAKD forward + backward, D={args.dim}, {device}, '
          f'torch {torch.__version__}')
    header = ('| N | method | time (s) | first call (s) | peak tensor memory '
              '| loss | rel. diff vs naive | grad rel. diff | speed-up | '
              'memory ratio |')
    print(header)
    print('|' + '---|' * 10)
    for r in rows:
        if 'skipped' in r:
            print(f"| {r['n']} | {r['method']} | not run: {r['skipped']} "
                  '| | | | | | | |')
            continue
        extra = ['-'] * 4
        if 'rel_diff' in r:
            extra = [
                f"{r['rel_diff']:.1e}", f"{r['grad_rel_diff']:.1e}",
                f"{r['speedup']:.1f}x", f"{r['mem_ratio']:.0f}x"
            ]
        print(f"| {r['n']} | {r['method']} | {r['time_s']:.3f} | "
              f"{r['first_s']:.2f} | {fmt_bytes(r['peak_bytes'])} | "
              f"{r['value']:.6g} | " + ' | '.join(extra) + ' |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)
    if args.plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for method in sorted({r['method'] for r in rows if 'time_s' in r}):
            pts = [r for r in rows if r['method'] == method and 'time_s' in r]
            ns = [r['n'] for r in pts]
            axes[0].plot(ns, [r['time_s'] for r in pts], 'o-', label=method)
            axes[1].plot(
                ns, [r['peak_bytes'] / 2**20 for r in pts], 'o-', label=method)
        for ax, lab in zip(
                axes, ['forward + backward (s)', 'peak tensor memory (MiB)']):
            ax.set_xscale('log', base=2)
            ax.set_yscale('log')
            ax.set_xlabel('N vectors')
            ax.set_ylabel(lab)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(f'Angle KD, D={args.dim}, {torch.get_num_threads()} '
                     'CPU threads')
        fig.tight_layout()
        os.makedirs(osp.dirname(osp.abspath(args.plot)), exist_ok=True)
        fig.savefig(args.plot, dpi=120)
        print(f'plot written to {args.plot}')


if __name__ == '__main__':
    main()
