# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: PyTorch vs ONNX Runtime on the CPU, for the students and
their teachers at their training resolution.

    python tools/analysis_tools/benchmark_deploy.py \
        [--models mnv2-eurosat r18-eurosat vit-eurosat ensemble-eurosat \
                  dpctnet-t-dubai edpctnet-t-dubai] \
        [--iters 10] [--batch-cls 64] [--batch-seg 4] [--threads 2] \
        [--json out.json]

Each model is built from its config with random weights (latency does not
depend on the weights), wrapped as the deployed module
(:class:`rskd_mm.apis.InferenceModel`: pixels in, logits out, the
normalisation inside), exported with :func:`rskd_mm.apis.write_onnx` and
checked against PyTorch on the benchmark batch (max |logit difference|).
EDP-CTNet is DP-CTNet pruned by the pruning config's mutator to
``--ratio`` of the channels of each unit (the structure of the Dubai
EDP-CTNet; ``benchmark_edpctnet.py`` does the same). Latency: batch 1,
median of ``--iters`` runs after 2 warm-up runs; throughput: images/s at
``--batch-cls`` / ``--batch-seg``. Both back-ends use ``--threads``
threads. Attention is exported as ONNX Runtime's fused
``MultiHeadAttention`` as ``pytorch2onnx.py`` does (``--standard-ops``: the
plain MatMul-Softmax chain, to compare). The ratio columns are ONNX
Runtime's speed over PyTorch's (> 1: ONNX Runtime faster).
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

import rskd_mm  # noqa: F401  (compat layer, registries)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

MODELS = {
    # name: (role, config, input size, pruning config or None)
    'mnv2-eurosat':
    ('student', 'configs/baselines/mobilenetv2-w025_1xb64-3e_eurosat-64px.py',
     64, None),
    'r18-eurosat':
    ('teacher (CNN member)',
     'configs/baselines/resnet18-w32_1xb64-3e_eurosat-64px.py', 64, None),
    'vit-eurosat':
    ('teacher (ViT member)',
     'configs/baselines/vit-t-p8_1xb64-3e_eurosat-64px.py', 64, None),
    'ensemble-eurosat':
    ('teacher (CNN + ViT ensemble)',
     'configs/hmkd/ensemble-r18w32-vit-t8_eurosat-64px.py', 64, None),
    'dpctnet-t-dubai': ('teacher', 'configs/dpctnet/dpctnet-t_1xb8-1k_dubai-'
                        '384px.py', 384, None),
    'edpctnet-t-dubai':
    ('student', 'configs/dpctnet/dpctnet-t_1xb8-1k_dubai-384px.py', 384,
     'configs/dpctnet/prune-l1_dpctnet-t_1xb8-100_dubai-384px.py'),
}


def build(name, ratio):
    """The deployed wrapper of model ``name`` (random weights)."""
    from rskd_mm.apis import InferenceModel, init_model
    _, config, size, prune = MODELS[name]
    config = osp.join(ROOT, config)
    torch.manual_seed(0)
    if prune is None:
        # the ensemble's members are built without their checkpoints
        members = {f'model.members.{i}.checkpoint': None
                   for i in range(2)} if name.startswith('ensemble') else None
        wrapper, _, _ = init_model(config, cfg_options=members)
        return wrapper, size
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'benchmark_edpctnet',
        osp.join(osp.dirname(osp.abspath(__file__)), 'benchmark_edpctnet.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build_pruned = module.build
    _, pruned, _ = build_pruned(config, osp.join(ROOT, prune), None, ratio)
    return InferenceModel(pruned.eval(), 'seg').eval(), size


def timed(fn, iters):
    for _ in range(2):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(name, args, tmp):
    import onnxruntime as ort

    from rskd_mm.apis import write_onnx
    wrapper, size = build(name, args.ratio)
    task = wrapper.task
    batch = args.batch_cls if task == 'cls' else args.batch_seg
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, 3, size, size)).astype(np.float32)
    path = osp.join(tmp, f'{name}.onnx')
    write_onnx(
        wrapper,
        path,
        x[:1],
        dynamic_hw=task == 'seg',
        ort_attention=not args.standard_ops)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=['CPUExecutionProvider'])
    with torch.no_grad():
        ref = wrapper(torch.from_numpy(x)).numpy()
    diff = float(np.abs(sess.run(None, {'pixels': x})[0] - ref).max())
    one = x[:1]

    def pt(inp):
        with torch.no_grad():
            wrapper(torch.from_numpy(inp))

    def rt(inp):
        sess.run(None, {'pixels': inp})

    row = dict(
        model=name,
        role=MODELS[name][0],
        size=size,
        params_m=sum(p.numel() for p in wrapper.parameters()) / 1e6,
        max_abs_diff=diff,
        batch=batch)
    row['pt_latency_ms'] = timed(lambda: pt(one), args.iters) * 1e3
    row['ort_latency_ms'] = timed(lambda: rt(one), args.iters) * 1e3
    n = max(1, args.iters // 2)
    row['pt_throughput'] = batch / timed(lambda: pt(x), n)
    row['ort_throughput'] = batch / timed(lambda: rt(x), n)
    return row


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--models', nargs='+', default=list(MODELS), choices=list(MODELS))
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--batch-cls', type=int, default=64)
    p.add_argument('--batch-seg', type=int, default=4)
    p.add_argument(
        '--ratio',
        type=float,
        default=0.25,
        help='EDP-CTNet: share of the channels kept in each unit')
    p.add_argument(
        '--threads',
        type=int,
        default=min(2,
                    os.cpu_count() or 1),
        help='threads of both back-ends')
    p.add_argument(
        '--standard-ops',
        action='store_true',
        help='export attention as standard ONNX operators (MatMul, '
        'Softmax) instead of ONNX Runtime\'s fused MultiHeadAttention')
    p.add_argument('--json', help='also write the rows here')
    return p.parse_args(argv)


def main(argv=None):
    import onnxruntime as ort
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            rows.append(bench(name, args, tmp))
            print(f'measured {name}', file=sys.stderr, flush=True)
    attention = ('standard ONNX operators'
                 if args.standard_ops else 'ONNX Runtime MultiHeadAttention')
    print(f'CPU: {platform.processor() or platform.machine()}, '
          f'{args.threads} thread(s); torch {torch.__version__}, '
          f'onnxruntime {ort.__version__}; median of {args.iters} runs; '
          'attention exported as ' + attention)
    print('| model | role | input | params (M) | max abs diff | '
          'PyTorch batch-1 (ms) | ORT batch-1 (ms) | latency ratio | '
          'PyTorch img/s | ORT img/s | throughput ratio |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['model']} | {r['role']} | {r['size']} px | "
              f"{r['params_m']:.3f} | {r['max_abs_diff']:.1e} | "
              f"{r['pt_latency_ms']:.2f} | {r['ort_latency_ms']:.2f} | "
              f"{r['pt_latency_ms'] / r['ort_latency_ms']:.2f}x | "
              f"{r['pt_throughput']:.1f} (b{r['batch']}) | "
              f"{r['ort_throughput']:.1f} | "
              f"{r['ort_throughput'] / r['pt_throughput']:.2f}x |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(threads=args.threads, rows=rows), f, indent=1)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
