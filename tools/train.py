# Copyright (c) rskd_mm contributors. All rights reserved.
"""Train a model, a distillation included, from an OpenMMLab config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

Multi-process runs: ``bash tools/dist_train.sh CONFIG NUM_PROCS`` (torchrun);
slurm: ``bash tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR``.
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS

# Importing the plugin applies rskd_mm's compatibility layer for the
# dependency stack before the config (and its ``pkg::`` bases) is parsed.
# Components are registered through the config's ``custom_imports``.
import rskd_mm  # noqa: F401,E402
from rskd_mm.engine.runner import RSKDRunner  # noqa: E402
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If a checkpoint path is given, resume from it; with no value, '
        'resume from the latest checkpoint in the work directory.')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size relative to '
        'the config\'s auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--load-partial',
        action='store_true',
        help='let load_from fill only part of the model (e.g. a backbone '
        'for a new head); the parameters left untouched are logged. Without '
        'it a checkpoint that does not fit the model is an error.')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or
    # --local_rank (older); torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_trust_arg(parser)
    args = parser.parse_args(argv)
    apply_trust_arg(args)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge command-line arguments into the config."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError(
                    f'--amp needs optim_wrapper.type="OptimWrapper", got '
                    f'{optim_wrapper!r} in {args.config}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.load_partial:
        cfg.load_partial = True

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError(
                f'--auto-scale-lr needs "auto_scale_lr.base_batch_size" in '
                f'{args.config}')
        cfg.auto_scale_lr.enable = True

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)

    if 'runner_type' not in cfg:
        # strict checkpoint loading for configs from elsewhere too
        runner = RSKDRunner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
