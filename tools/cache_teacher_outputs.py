# Copyright (c) rskd_mm contributors. All rights reserved.
"""Run a distillation config's teacher once and cache its outputs (fast KD).

    python tools/cache_teacher_outputs.py CONFIG [--out CACHE_DIR]
        [--num-draws K] [--seed S] [--topk k] [--batch-size B]
        [--cfg-options ...]
    # several processes / GPUs: the samples are sharded across ranks
    python -m torch.distributed.run --nproc_per_node=N \
        tools/cache_teacher_outputs.py CONFIG --launcher pytorch

CONFIG is an online distillation config (``RSKDSingleTeacherDistill``) or
its cached variant (``RSKDCachedTeacherDistill`` with the training set
wrapped in ``RSKDTeacherOutputDataset``; then K, the seed and the cache
directory are read from it). For every training image and each of K
augmentation draws, the draw's random state is seeded from (seed, image,
draw), the training pipeline produces the view, and the teacher's logits
for it are stored as float16 (optionally only the top-k) in a memory-mapped
file, with fingerprints of the teacher weights, the data list and the
pipeline. An interrupted run resumes where it stopped; a cache is marked
complete only when every output is written.
"""
import argparse
import copy
import os.path as osp
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.dist import barrier, get_dist_info, init_dist
from mmengine.registry import init_default_scope

# isort: off
# rskd_mm applies its compatibility layer on import; mmrazor 1.0.0 cannot be
# imported on the current stack before it.
import rskd_mm  # noqa: F401
from mmrazor.registry import MODELS
# isort: on
from rskd_mm.datasets import (RSKDTeacherOutputDataset, TeacherCache,
                              teacher_fingerprint)
from rskd_mm.utils import online_model_cfg
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg
from rskd_mm.utils.paths import check_outputs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument(
        '--out',
        help='cache directory (default: the '
        'config\'s cache_dir, else work_dirs/teacher_cache/'
        '<config name>)')
    parser.add_argument('--num-draws', type=int, help='draws per image (K)')
    parser.add_argument('--seed', type=int, help='seed of the draws')
    parser.add_argument(
        '--topk',
        type=int,
        default=None,
        help='store only the k largest logits per output')
    parser.add_argument(
        '--dtype',
        choices=['float16', 'float32'],
        default='float32',
        help='storage type of the logits (float32: exact; '
        'float16: half the size, rounding of up to 2**-11 '
        'of each logit)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_trust_arg(parser)
    return parser.parse_args(argv)


def _inputs(config: str, model_cfg, dataset_cfg) -> dict:
    """The files the tool reads: the config, the teacher's checkpoints
    and the data set's annotation file."""
    inputs = dict(config=config)

    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ('checkpoint', 'teacher_ckpt') and isinstance(
                        value, str):
                    inputs[f'teacher checkpoint {value}'] = value
                else:
                    visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(model_cfg.to_dict() if hasattr(model_cfg, 'to_dict') else model_cfg)
    ann = dataset_cfg.get('ann_file')
    if isinstance(ann, str) and ann:
        root = dataset_cfg.get('data_root') or ''
        inputs['annotation file'] = ann if osp.isabs(ann) else osp.join(
            root, ann)
    return inputs


def main(argv=None):
    args = parse_args(argv)
    apply_trust_arg(args)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if args.launcher != 'none':
        init_dist(args.launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    rank, world_size = get_dist_info()

    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    num_draws, seed, out = 4, 0, None
    if dataset_cfg.get('type') == 'RSKDTeacherOutputDataset':
        num_draws = dataset_cfg.get('num_draws', num_draws)
        seed = dataset_cfg.get('seed', seed)
        out = dataset_cfg.get('cache_dir')
        dataset_cfg = dataset_cfg['dataset']
    num_draws = args.num_draws or num_draws
    seed = args.seed if args.seed is not None else seed
    out = args.out or out or osp.join(
        'work_dirs', 'teacher_cache',
        osp.splitext(osp.basename(args.config))[0])

    model_cfg = online_model_cfg(cfg.model)
    check_outputs(
        _inputs(args.config, model_cfg, dataset_cfg), {
            f'cache file {name}': osp.join(out, name)
            for name in TeacherCache.FILES
        },
        prog='cache_teacher_outputs')
    dataset = RSKDTeacherOutputDataset(
        dataset_cfg, num_draws=num_draws, seed=seed)
    fingerprints = dataset.fingerprints()
    fingerprints['teacher'] = teacher_fingerprint(
        model_cfg['teacher'], model_cfg.get('teacher_ckpt'))

    algo = MODELS.build(model_cfg)
    algo.eval()
    dp = algo.data_preprocessor
    if (getattr(dp, 'batch_augments', None) is not None
            and not getattr(dp, 'mixes_teacher_outputs', False)):
        # the cache holds the un-mixed views; only a preprocessor that mixes
        # their cached outputs like the images gives the right targets
        raise ValueError(
            'cached KD with batch augmentations (Mixup, CutMix) needs the '
            "student's data_preprocessor type='RSKDClsDataPreprocessor', "
            'which mixes the cached teacher outputs like the images; got '
            f'{type(dp).__name__}')
    teacher = algo.teacher
    num_classes = None

    # Create (or reopen) the cache on rank 0 first.
    probe = dataset.get_view(0, 0)
    with torch.no_grad():
        batch = dp(pseudo_collate([probe]), False)
        num_classes = teacher(
            algo.teacher_inputs(batch['inputs']), mode='tensor').shape[-1]
    if rank == 0:
        cache = TeacherCache.create(
            out,
            len(dataset),
            num_draws,
            num_classes,
            fingerprints,
            seed=seed,
            topk=args.topk,
            extra=dict(config=osp.abspath(args.config)),
            dtype=args.dtype,
            image_hashes=dataset.image_hashes())
    barrier()
    if rank != 0:
        cache = TeacherCache(out, mode='w')
    cache.check(
        fingerprints,
        len(dataset),
        num_classes,
        image_hashes=dataset.image_hashes(),
        num_draws=num_draws,
        seed=seed,
        topk=args.topk)

    todo = [(i, k) for i in range(rank, len(dataset), world_size)
            for k in range(num_draws) if not cache.done[i, k]]
    total = len(dataset) * num_draws
    print(
        f'[rank {rank}] teacher cache {out}: {total} outputs '
        f'({len(dataset)} images x {num_draws} draws), '
        f'{len(todo)} to compute on this rank',
        flush=True)
    start = time.perf_counter()
    for b in range(0, len(todo), args.batch_size):
        chunk = todo[b:b + args.batch_size]
        views = [dataset.get_view(i, k) for i, k in chunk]
        with torch.no_grad():
            batch = dp(pseudo_collate(views), False)
            logits = teacher(
                algo.teacher_inputs(batch['inputs']), mode='tensor')
        for (i, k), row in zip(chunk, logits):
            cache.write(i, k, row)
        cache.flush()
        done = b + len(chunk)
        if rank == 0 and (b // args.batch_size) % 10 == 0:
            rate = done / max(time.perf_counter() - start, 1e-9)
            print(f'[rank 0] {done}/{len(todo)} outputs, '
                  f'{rate:.1f} img/s',
                  flush=True)
    elapsed = time.perf_counter() - start
    barrier()
    if rank == 0:
        cache = TeacherCache(out, mode='w')  # re-read every rank's writes
        cache.meta['build_seconds'] = cache.meta.get('build_seconds',
                                                     0.0) + elapsed
        cache.mark_complete()
        print(
            f'teacher cache complete: {out} ({total} outputs, '
            f'{elapsed:.1f} s on rank 0 for {len(todo)} of them)',
            flush=True)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
