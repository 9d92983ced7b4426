# Copyright (c) rskd_mm contributors. All rights reserved.
"""The main job on the embedded default: train a teacher, distil a student.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--data-root ...]
                             [--epochs N]

Through the real tools (``tools/train.py``, ``tools/test.py``) and the configs
in ``configs/demo/``, it

1. writes the synthetic scene-classification set on first use,
2. trains the teacher (ResNet-18, width 32),
3. trains the student alone (MobileNetV2, width 0.25) as the baseline,
4. distils the student from the teacher with mmrazor's
   ``SingleTeacherDistill`` (Hinton KD on the logits),
5. tests all three on the held-out test split,

and prints a table: test top-1 accuracy, parameters and training time. Every
step's logs and checkpoints are kept under ``--work-dir``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG_DIR = osp.join(ROOT, 'configs', 'demo')
TEACHER_CFG = osp.join(CFG_DIR, 'resnet18-w32_1xb32-30e_demo-scene-64px.py')
STUDENT_CFG = osp.join(CFG_DIR,
                       'mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
KD_CFG = osp.join(
    CFG_DIR, 'kd_resnet18-w32_mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument(
        '--data-root',
        default=osp.join('data', 'demo_scene'),
        help='where the synthetic data set is (written if missing)')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the configs\' number of epochs (for a quick check)')
    parser.add_argument(
        '--num-per-class',
        type=int,
        nargs=3,
        default=(60, 20, 20),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='synthetic images per class and split')
    return parser.parse_args(argv)


def run(cmd, log_file):
    """Run a tool, streaming its output to ``log_file``; fail loudly."""
    print('$ ' + ' '.join(cmd), flush=True)
    start = time.perf_counter()
    with open(log_file, 'w') as log:
        proc = subprocess.run(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        with open(log_file) as log:
            tail = log.read()[-4000:]
        raise RuntimeError(f'command failed ({proc.returncode}): '
                           f'{" ".join(cmd)}\n--- {log_file} (tail) ---\n'
                           f'{tail}')
    return elapsed


def last_checkpoint(work_dir):
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        raise FileNotFoundError(f'no checkpoint was written in {work_dir}')
    with open(path) as f:
        return f.read().strip()


def count_params(config, cfg_options):
    """Trainable parameters of the (student) model a config builds."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(config)
    cfg.merge_from_dict(cfg_options)
    init_default_scope('mmpretrain')
    model_cfg = cfg.model
    if 'architecture' in model_cfg:  # a distillation algorithm
        model_cfg = model_cfg.architecture
    model = MODELS.build(model_cfg)
    return sum(p.numel() for p in model.parameters())


def main(argv=None):
    args = parse_args(argv)
    import rskd_mm  # noqa: F401  (compatibility layer for count_params)
    from rskd_mm.datasets import generate_scene_dataset

    data_root = osp.abspath(args.data_root)
    if not osp.isfile(osp.join(data_root, 'meta', 'test.txt')):
        print(f'writing the synthetic scene data set to {data_root}')
        generate_scene_dataset(data_root, num_per_class=args.num_per_class)

    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    common = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]
    if args.epochs is not None:
        common += [
            f'train_cfg.max_epochs={args.epochs}',
            f'train_cfg.val_interval={args.epochs}'
        ]

    def train_and_test(name, config, extra=()):
        run_dir = osp.join(work_dir, name)
        opts = common + list(extra)
        train_time = run([
            sys.executable, 'tools/train.py', config, '--work-dir', run_dir,
            '--cfg-options', *opts
        ], osp.join(work_dir, f'{name}_train.log'))
        ckpt = last_checkpoint(run_dir)
        metrics_file = osp.join(run_dir, 'test_metrics.json')
        run([
            sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
            run_dir, '--metrics-out', metrics_file, '--cfg-options', *opts
        ], osp.join(work_dir, f'{name}_test.log'))
        with open(metrics_file) as f:
            acc = json.load(f)['accuracy/top1']
        options = {k: v for k, v in (o.split('=', 1) for o in opts)}
        return dict(
            name=name,
            acc=acc,
            params=count_params(config, _typed(options)),
            time=train_time,
            ckpt=ckpt)

    start = time.perf_counter()
    rows = [train_and_test('teacher', TEACHER_CFG)]
    rows.append(train_and_test('student', STUDENT_CFG))
    rows.append(
        train_and_test(
            'student_kd',
            KD_CFG,
            extra=[f'model.teacher_ckpt={rows[0]["ckpt"]}']))
    total = time.perf_counter() - start

    labels = dict(
        teacher='teacher ResNet-18-w32',
        student='student MobileNetV2-w0.25, no KD',
        student_kd='student MobileNetV2-w0.25, KD')
    print()
    print(f'{"model":<36}{"test top-1 (%)":>16}{"params (M)":>12}'
          f'{"train time (s)":>16}')
    print('-' * 80)
    for row in rows:
        print(f'{labels[row["name"]]:<36}{row["acc"]:>16.2f}'
              f'{row["params"] / 1e6:>12.3f}{row["time"]:>16.1f}')
    print('-' * 80)
    print(f'total wall time (train + test, 3 models): {total:.1f} s; '
          f'logs and checkpoints in {work_dir}')
    summary = osp.join(work_dir, 'summary.json')
    with open(summary + '.tmp', 'w') as f:
        json.dump(dict(rows=rows, total_time=total), f, indent=2)
    os.replace(summary + '.tmp', summary)
    return rows


def _typed(options):
    """Turn ``key=value`` strings into a dict mmengine can merge."""
    from mmengine.config import DictAction
    return {k: DictAction._parse_iterable(v) for k, v in options.items()}


if __name__ == '__main__':
    main()
