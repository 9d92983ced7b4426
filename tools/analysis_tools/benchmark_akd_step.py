# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: what AKD adds to a segmentation distillation training step.

    python tools/analysis_tools/benchmark_akd_step.py \
        [--config configs/dpctnet/akd_dpctnet-t_edpctnet-t_1xb8-500_...py] \
        [--prune-config configs/dpctnet/prune-l1_dpctnet-t_1xb8-100_...py] \
        [--ratio 0.25] [--batch 8] [--crop 128] [--iters 10] \
        [--device cpu|cuda] [--json out.json]

The distillation model of ``--config`` is built with random weights: its
EDP-CTNet student pruned by the pruning config's mutator to ``--ratio`` of
the channels of each unit (the structure of the Dubai EDP-CTNet; written to
a temporary ``fix_subnet.json``), its DP-CTNet teacher without a checkpoint.
One training step (data preprocessing, student and teacher forward, every
loss, backward, SGD step) on a random batch of ``--batch`` crops of
``--crop`` px is timed in three forms:

* ``student alone``: the EDP-CTNet fine-tuning step (no teacher);
* ``KD step without AKD``: the distillation step with the AKD term removed
  (the teacher still runs);
* ``KD step with AKD``: the config as it is.

The table gives the median over ``--iters`` steps after 2 warm-up steps
(CUDA events on a GPU), and the AKD step's cost relative to the other two.
"""
import argparse
import copy
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

import torch

import rskd_mm  # noqa: F401  (compat layer before mmrazor, registries)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def fix_subnet_file(arch_cfg, prune_config, ratio, path):
    """Prune ``arch_cfg`` at ``ratio`` and write its fix_subnet to
    ``path``."""
    from mmengine.config import Config
    from mmrazor.registry import MODELS
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet
    pcfg = Config.fromfile(prune_config)
    algo_cfg = dict(pcfg.model)
    algo_cfg['architecture'] = copy.deepcopy(arch_cfg)
    algo_cfg['default_ratio'] = ratio
    algo = MODELS.build(algo_cfg)
    algo.mutator.set_choices(algo.target_pruning_ratio)
    fix_subnet, _ = export_fix_subnet(
        algo, export_subnet_mode='mutator', slice_weight=True)
    with open(path, 'w') as f:
        json.dump(fix_subnet, f, default=str)
    return path


def batch_of(n, crop, num_classes, device):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(
            torch.randint(
                0, 256, (3, crop, crop), generator=g, dtype=torch.uint8))
        s = SegDataSample()
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, crop, crop), generator=g))
        s.set_metainfo(
            dict(
                img_shape=(crop, crop),
                ori_shape=(crop, crop),
                pad_shape=(crop, crop)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def time_steps(step, iters, cuda):
    for _ in range(2):
        step()
    times = []
    for _ in range(iters):
        if cuda:
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t = time.perf_counter()
            step()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def make_step(model, forward, data, device):
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)

    def step():
        opt.zero_grad(set_to_none=True)
        losses = forward(data)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        loss.backward()
        opt.step()

    return step


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--config',
        default='configs/dpctnet/akd_dpctnet-t_edpctnet-t_1xb8-500_dubai-'
        '384px.py')
    p.add_argument(
        '--prune-config',
        default='configs/dpctnet/prune-l1_dpctnet-t_1xb8-100_dubai-384px.py')
    p.add_argument('--ratio', type=float, default=0.25)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--crop', type=int, default=128)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--threads', type=int)
    p.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--json')
    return p.parse_args(argv)


def main(argv=None):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmrazor.registry import MODELS
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = args.device == 'cuda'
    init_default_scope('mmseg')
    cfg = Config.fromfile(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        arch = cfg.model.architecture
        dense = dict(arch.cfg) if arch.get('type') == 'sub_model' else arch
        subnet = fix_subnet_file(dense, args.prune_config, args.ratio,
                                 osp.join(tmp, 'fix_subnet.json'))
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg.architecture.fix_subnet = subnet
        model_cfg.teacher_ckpt = None
        with_akd = MODELS.build(copy.deepcopy(model_cfg)).to(args.device)
        no_akd_cfg = copy.deepcopy(model_cfg)
        no_akd_cfg.distiller.distill_losses = dict()
        no_akd_cfg.distiller.loss_forward_mappings = dict()
        without = MODELS.build(no_akd_cfg).to(args.device)
    num_classes = with_akd.architecture.decode_head.num_classes
    data = batch_of(args.batch, args.crop, num_classes, args.device)

    def kd_forward(model):

        def forward(d):
            d = model.data_preprocessor(d, True)
            return model(**d, mode='loss')

        return forward

    def student_forward(model):

        def forward(d):
            d = model.data_preprocessor(d, True)
            return model.architecture(**d, mode='loss')

        return forward

    rows = []
    for name, model, fwd in (('student alone (EDP-CTNet fine-tuning)', without,
                              student_forward(without)),
                             ('KD step without AKD (teacher runs)', without,
                              kd_forward(without)), ('KD step with AKD',
                                                     with_akd,
                                                     kd_forward(with_akd))):
        model.train()
        seconds = time_steps(
            make_step(model, fwd, data, args.device), args.iters, cuda)
        rows.append(dict(step=name, seconds=seconds))
        print(f'measured {name}', file=sys.stderr, flush=True)
    akd = rows[2]['seconds']
    device = (
        torch.cuda.get_device_name()
        if cuda else f'CPU, {torch.get_num_threads()} threads')
    print(
        f'\n{args.config}'
        f'\nbatch {args.batch} x {args.crop} px, EDP-CTNet at {args.ratio} of '
        f'the channels, {device}, torch {torch.__version__}, median of '
        f'{args.iters} steps')
    print('| step | time (s) | AKD step / this |')
    print('|---|---|---|')
    for r in rows:
        print(f"| {r['step']} | {r['seconds']:.3f} | "
              f"{akd / r['seconds']:.2f}x |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(device=device, rows=rows), f, indent=1)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
