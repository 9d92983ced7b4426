# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: DP-CTNet vs EDP-CTNet, parameters, FLOPs and CPU latency.

    python tools/analysis_tools/benchmark_edpctnet.py \
        [--config configs/dpctnet/dpctnet-b_4xb4-80k_vaihingen-512px.py] \
        [--prune-config \
            configs/dpctnet/prune-l1_dpctnet-b_4xb4-8k_vaihingen-512px.py] \
        [--fix-subnet WORK_DIR/fix_subnet.json | --ratio 0.4] \
        [--size 512] [--iters 10] [--threads N] [--json out.json]
        [--device cpu|cuda] [--batch-sizes 1 32] [--modes eager compile]
        [--dtypes float32 bfloat16]

EDP-CTNet is the DP-CTNet of ``--config`` with the channel choices of a
pruning run (``--fix-subnet``, written by tools/pruning/export_pruned.py)
or, without one, pruned here by the pruning config's mutator at ``--ratio``
of the channels of every unit (the structure, and so the cost, does not
depend on the weights). FLOPs come from mmengine's ``FlopAnalyzer``, with
a handle for the attention's matrix products (which it does not count by
itself); latency is the median of ``--iters`` forward passes (eval mode, no
gradient) after 2 warm-up passes (more for compiled modes), for every
``--batch-sizes`` x ``--modes`` x ``--dtypes`` setting; throughput is batch
/ latency. ``--device cuda`` (the default where CUDA is available) times
with CUDA events and reports ``torch.cuda.max_memory_allocated``;
``compile`` is ``torch.compile`` (``mode='reduce-overhead'``, i.e. CUDA
graphs, on CUDA); ``bfloat16`` runs under autocast. The table names the
device and gives EDP-CTNet's speed-up over DP-CTNet in the same setting.
"""
import argparse
import json
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import rskd_mm  # noqa: F401


def build(config, prune_config, fix_subnet, ratio):
    from mmrazor.registry import MODELS
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet
    cfg = Config.fromfile(config)
    init_default_scope('mmseg')
    arch = dict(cfg.model, _scope_='mmseg')
    dense = MODELS.build(arch)
    if fix_subnet:
        pruned = MODELS.build(
            dict(
                _scope_='mmrazor',
                type='sub_model',
                cfg=arch,
                fix_subnet=fix_subnet,
                mode='mutator'))
        how = f'fix_subnet {fix_subnet}'
    else:
        pcfg = Config.fromfile(prune_config)
        algo_cfg = dict(pcfg.model)
        algo_cfg['architecture'] = arch
        algo_cfg['default_ratio'] = ratio
        algo = MODELS.build(algo_cfg)
        algo.mutator.set_choices(algo.target_pruning_ratio)
        _, static = export_fix_subnet(
            algo, export_subnet_mode='mutator', slice_weight=True)
        pruned = static.architecture
        how = (f'{len(algo.target_pruning_ratio)} channel units at ratio '
               f'{ratio} ({prune_config})')
    return dense.eval(), pruned.eval(), how


def complexity(model, size):
    """Parameters and FLOPs (mmengine's ``FlopAnalyzer``, the attention's
    matrix products included: ``rskd_mm.utils.count_flops``)."""
    from rskd_mm.utils import count_flops
    x = torch.rand(1, 3, size, size)
    params = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        flops = count_flops(model, x)
    return dict(params=params, flops=flops)


def measure(model,
            size,
            iters,
            device='cpu',
            batch=1,
            mode='eager',
            dtype='float32'):
    """Median forward latency (s) and peak CUDA memory of one setting."""
    cuda = device == 'cuda'
    model = model.to(device).eval()
    fn = model
    if mode == 'compile':
        fn = torch.compile(
            model, mode='reduce-overhead' if cuda else 'default')
    x = torch.rand(batch, 3, size, size, device=device)
    autocast = torch.autocast(
        device_type='cuda' if cuda else 'cpu',
        dtype=torch.bfloat16,
        enabled=dtype == 'bfloat16')
    with torch.no_grad(), autocast:
        for _ in range(2 if mode == 'eager' else 5):
            fn(x)
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(iters):
            if cuda:
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                fn(x)
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end) / 1e3)
            else:
                t = time.perf_counter()
                fn(x)
                times.append(time.perf_counter() - t)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    return dict(latency_s=statistics.median(times), peak_bytes=peak)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--config',
        default='configs/dpctnet/'
        'dpctnet-b_4xb4-80k_vaihingen-512px.py')
    p.add_argument(
        '--prune-config',
        default='configs/dpctnet/'
        'prune-l1_dpctnet-b_4xb4-8k_vaihingen-512px.py')
    p.add_argument('--fix-subnet')
    p.add_argument('--ratio', type=float, default=0.25)
    p.add_argument('--size', type=int, default=512)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--threads', type=int)
    p.add_argument('--json')
    p.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--batch-sizes', type=int, nargs='+', default=[1])
    p.add_argument(
        '--modes', nargs='+', default=['eager'], choices=['eager', 'compile'])
    p.add_argument(
        '--dtypes',
        nargs='+',
        default=['float32'],
        choices=['float32', 'bfloat16'])
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dense, pruned, how = build(args.config, args.prune_config, args.fix_subnet,
                               args.ratio)
    models = [('DP-CTNet', dense), ('EDP-CTNet', pruned)]
    rows = {name: complexity(m, args.size) for name, m in models}
    settings = []
    for batch in args.batch_sizes:
        for mode in args.modes:
            for dtype in args.dtypes:
                res = {
                    name: measure(m, args.size, args.iters, args.device, batch,
                                  mode, dtype)
                    for name, m in models
                }
                settings.append(
                    dict(
                        batch=batch,
                        mode=mode,
                        dtype=dtype,
                        **{k: v
                           for k, v in res.items()}))
    # the first setting's latency (batch 1, eager, float32 by default)
    for name, _ in models:
        rows[name]['latency_s'] = settings[0][name]['latency_s']
    base = rows['DP-CTNet']
    device = (
        torch.cuda.get_device_name() if args.device == 'cuda' else
        f'CPU, {torch.get_num_threads()} threads')
    print(f'\n{args.config}\nEDP-CTNet: {how}\ninput Bx3x{args.size}x'
          f'{args.size}, {device}, torch {torch.__version__}')
    print('| model | params (M) | FLOPs (G) | latency (s) | params vs '
          'DP-CTNet | speed-up |')
    print('|---|---|---|---|---|---|')
    for name, r in rows.items():
        print(f"| {name} | {r['params'] / 1e6:.2f} | {r['flops'] / 1e9:.2f} "
              f"| {r['latency_s']:.3f} | "
              f"{r['params'] / base['params']:.3f} | "
              f"{base['latency_s'] / r['latency_s']:.2f}x |")
    print('\n| batch | mode | dtype | DP-CTNet (ms) | EDP-CTNet (ms) | '
          'DP-CTNet img/s | EDP-CTNet img/s | speed-up | peak memory '
          '(DP / EDP) |')
    print('|---|---|---|---|---|---|---|---|---|')
    for st in settings:
        d, e = st['DP-CTNet'], st['EDP-CTNet']
        mem = '-' if d['peak_bytes'] is None else (
            f"{d['peak_bytes'] / 2**20:.0f} / {e['peak_bytes'] / 2**20:.0f}"
            ' MiB')
        print(f"| {st['batch']} | {st['mode']} | {st['dtype']} | "
              f"{d['latency_s'] * 1e3:.2f} | {e['latency_s'] * 1e3:.2f} | "
              f"{st['batch'] / d['latency_s']:.1f} | "
              f"{st['batch'] / e['latency_s']:.1f} | "
              f"{d['latency_s'] / e['latency_s']:.2f}x | {mem} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    how=how,
                    size=args.size,
                    device=device,
                    rows=rows,
                    settings=settings),
                f,
                indent=1)


if __name__ == '__main__':
    main()
