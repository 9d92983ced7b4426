# Copyright (c) rskd_mm contributors. All rights reserved.
"""Test (evaluate) a checkpoint with an OpenMMLab config.

    python tools/test.py CONFIG [CHECKPOINT] [--work-dir DIR]
        [--metrics-out FILE]
        [--cfg-options k=v ...] [--launcher pytorch]

The metrics are printed, logged to ``<work_dir>/<timestamp>/<timestamp>.json``
and, with ``--metrics-out FILE.json``, written to that file.
"""
import argparse
import logging
import os
import os.path as osp

import mmengine
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS

# Importing the plugin applies rskd_mm's compatibility layer before the config
# is parsed; components are registered through ``custom_imports``.
import rskd_mm  # noqa: F401,E402
from rskd_mm.engine.runner import RSKDRunner  # noqa: E402
from rskd_mm.utils import strip_teacher_checkpoints  # noqa: E402
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg  # noqa: E402
from rskd_mm.utils.paths import check_outputs  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file; may be left out for a model whose config '
        'loads its own weights (e.g. an RSKDEnsembleTeacher whose members '
        'name their checkpoints)')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--metrics-out',
        help='also write the evaluation metrics to this JSON file')
    parser.add_argument(
        '--predictions-out',
        help='also write every test image\'s path, true and predicted label '
        'to this JSON file (classification; RSKDDumpPredictions), e.g. for a '
        'paired comparison of two models on the same split')
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
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_trust_arg(parser)
    args = parser.parse_args(argv)
    apply_trust_arg(args)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _to_json(value):
    """A metric value as JSON: numbers as floats, arrays (e.g. a confusion
    matrix) as nested lists."""
    if hasattr(value, 'tolist'):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if hasattr(value, '__float__'):
        return float(value)
    return value


def main(argv=None):
    args = parse_args(argv)
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint file not found: {args.checkpoint}')
    check_outputs(
        dict(config=args.config, checkpoint=args.checkpoint), {
            '--metrics-out': args.metrics_out,
            '--predictions-out': args.predictions_out
        },
        prog='test.py')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.predictions_out:
        dump = dict(type='RSKDDumpPredictions', out_file=args.predictions_out)
        evaluators = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluators) if isinstance(
            evaluators, (list, tuple)) else [evaluators]) + [dump]
    # a test never runs on a model whose weights were not all loaded
    cfg.load_partial = False
    if cfg.get('runner_type') == 'Runner':
        cfg.runner_type = 'RSKDRunner'
    if args.checkpoint is not None:
        # The checkpoint holds every weight, the teacher's included: the
        # teacher files a distillation config names are not needed to test.
        cfg.model = strip_teacher_checkpoints(cfg.model)
    else:
        print_log(
            'No CHECKPOINT given: testing the weights that the config itself '
            'loads (e.g. ensemble members\' checkpoints).',
            logger='current',
            level=logging.WARNING)

    if 'runner_type' not in cfg:
        runner = RSKDRunner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    metrics = runner.test()

    if args.metrics_out is not None and runner.rank == 0:
        out = {k: _to_json(v) for k, v in metrics.items()}
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.metrics_out)))
        tmp = args.metrics_out + '.tmp'
        mmengine.dump(out, tmp, file_format='json')
        os.replace(tmp, args.metrics_out)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
