# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: DP-CTNet vs EDP-CTNet, parameters, FLOPs and CPU latency.

    python tools/analysis_tools/benchmark_edpctnet.py \
        [--config configs/dpctnet/dpctnet-b_4xb4-80k_vaihingen-512px.py] \
        [--prune-config \
            configs/dpctnet/prune-l1_dpctnet-b_4xb4-8k_vaihingen-512px.py] \
        [--fix-subnet WORK_DIR/fix_subnet.json | --ratio 0.4] \
        [--size 512] [--iters 10] [--threads N] [--json out.json]

EDP-CTNet is the DP-CTNet of ``--config`` with the channel choices of a
pruning run (``--fix-subnet``, written by tools/pruning/export_pruned.py)
or, without one, pruned here by the pruning config's mutator at ``--ratio``
of the channels of every unit (the structure, and so the cost, does not
depend on the weights). FLOPs come from mmengine's complexity analysis;
latency is the median of ``--iters`` forward passes (batch 1, eval mode,
no gradient) after 2 warm-up passes.
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


def measure(model, size, iters):
    from mmengine.analysis import get_model_complexity_info
    x = torch.rand(1, 3, size, size)
    params = sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        flops = get_model_complexity_info(
            model, inputs=x, show_table=False, show_arch=False)['flops']
        for _ in range(2):
            model(x)
        times = []
        for _ in range(iters):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    return dict(params=params, flops=flops, latency_s=statistics.median(times))


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
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dense, pruned, how = build(args.config, args.prune_config, args.fix_subnet,
                               args.ratio)
    rows = [('DP-CTNet', measure(dense, args.size, args.iters)),
            ('EDP-CTNet', measure(pruned, args.size, args.iters))]
    base = rows[0][1]
    print(f'\n{args.config}\nEDP-CTNet: {how}\ninput 1x3x{args.size}x'
          f'{args.size}, {torch.get_num_threads()} CPU threads, '
          f'torch {torch.__version__}')
    print('| model | params (M) | FLOPs (G) | CPU latency (s) | params vs '
          'DP-CTNet | speed-up |')
    print('|---|---|---|---|---|---|')
    for name, r in rows:
        print(f"| {name} | {r['params'] / 1e6:.2f} | {r['flops'] / 1e9:.2f} "
              f"| {r['latency_s']:.3f} | "
              f"{r['params'] / base['params']:.3f} | "
              f"{base['latency_s'] / r['latency_s']:.2f}x |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(how=how, size=args.size, rows=dict(rows)), f, indent=1)


if __name__ == '__main__':
    main()
