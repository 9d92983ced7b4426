# Copyright (c) rskd_mm contributors. All rights reserved.
"""The main job on the embedded default: HMKD-Net from a hybrid teacher.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--data-root ...]
                             [--epochs N]

Through the real tools (``tools/train.py``, ``tools/test.py``,
``tools/cache_teacher_outputs.py``) and the demo-size configs, it

1. writes the synthetic scene-classification set on first use,
2. trains the two members of the hybrid teacher, a CNN (ResNet-18, width 32)
   and a vision transformer (a 4-block ViT-tiny on 8 px patches), and tests
   their ensemble (``RSKDEnsembleTeacher``, probability average),
3. trains the student alone (MobileNetV2, width 0.25) as the baseline,
4. distils the student with plain KD from the CNN member alone (Hinton KD,
   KL at tau 4, the classic single-teacher setting),
5. distils it with the default HMKD from the hybrid teacher: online (the
   ensemble runs every step on the current view) and cached (fast KD: the
   ensemble's outputs on K augmentation draws per image are computed once,
   and the student learns towards their mean on fresh random views),
6. tests every model on the held-out test split,

and prints a table: test top-1 accuracy, parameters, training time and the
cost of KD (the training time over the student alone's, plus the teacher
cache for cached KD). Every step's logs and checkpoints are kept under
``--work-dir``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CNN_CFG = osp.join(ROOT, 'configs', 'demo',
                   'resnet18-w32_1xb32-30e_demo-scene-64px.py')
VIT_CFG = osp.join(ROOT, 'configs', 'baselines',
                   'vit-t-p8_1xb32-30e_demo-scene-64px.py')
ENSEMBLE_CFG = osp.join(ROOT, 'configs', 'hmkd',
                        'ensemble-r18w32-vit-t8_demo-scene-64px.py')
STUDENT_CFG = osp.join(ROOT, 'configs', 'demo',
                       'mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
# plain KD from the CNN member alone: HMKD's online row is plain KD's loss
# from the hybrid teacher, so this row shows what the hybrid teacher adds
KD_CFG = osp.join(
    ROOT, 'configs', 'demo',
    'kd_resnet18-w32_mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
HMKD_CFG = osp.join(
    ROOT, 'configs', 'hmkd',
    'hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py')
FASTKD_CFG = osp.join(
    ROOT, 'configs', 'fastkd',
    'fastkd-hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py')


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
        default=(60, 20, 200),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='synthetic images per class and split (the test split is '
        'large so that a few images do not decide the ranking: 1,600 test '
        'images give a standard error of about 0.8 points at 90%% top-1, '
        '160 gave 2.4)')
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


def split_sizes(data_root):
    """Images listed in the train, val and test files (None if any is
    missing)."""
    sizes = []
    for split in ('train', 'val', 'test'):
        path = osp.join(data_root, 'meta', f'{split}.txt')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            sizes.append(sum(1 for line in f if line.strip()))
    return sizes


def prepare_data(data_root, num_per_class):
    """Write the synthetic set on first use, or again when its splits have
    other sizes than asked (e.g. a set of an older demo): images are a pure
    function of (seed, split, index), so existing files are kept and only
    the missing ones written. Returns the absolute data root."""
    from rskd_mm.datasets import SCENE_CLASSES, generate_scene_dataset
    data_root = osp.abspath(data_root)
    wanted = [n * len(SCENE_CLASSES) for n in num_per_class]
    if split_sizes(data_root) != wanted:
        print(f'writing the synthetic scene data set to {data_root}')
        generate_scene_dataset(data_root, num_per_class=num_per_class)
    return data_root


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

    data_root = prepare_data(args.data_root, args.num_per_class)

    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data = [
        f'{split}_dataloader.dataset.data_root={data_root}'
        for split in ('train', 'val', 'test')
    ]
    schedule = []
    if args.epochs is not None:
        schedule = [
            f'train_cfg.max_epochs={args.epochs}',
            f'train_cfg.val_interval={args.epochs}'
        ]

    def train(name, config, opts):
        run_dir = osp.join(work_dir, name)
        seconds = run([
            sys.executable, 'tools/train.py', config, '--work-dir', run_dir,
            '--cfg-options', *opts
        ], osp.join(work_dir, f'{name}_train.log'))
        return run_dir, seconds

    def test(name, config, ckpt, opts):
        run_dir = osp.join(work_dir, name)
        metrics_file = osp.join(run_dir, 'test_metrics.json')
        cmd = [sys.executable, 'tools/test.py', config]
        cmd += [ckpt] if ckpt else []
        run(
            cmd + [
                '--work-dir', run_dir, '--metrics-out', metrics_file,
                '--cfg-options', *opts
            ], osp.join(work_dir, f'{name}_test.log'))
        with open(metrics_file) as f:
            return json.load(f)['accuracy/top1']

    start = time.perf_counter()
    rows = []
    # 1. the hybrid teacher: CNN and ViT members, then their ensemble
    members = []
    for name, config in (('teacher_cnn', CNN_CFG), ('teacher_vit', VIT_CFG)):
        run_dir, seconds = train(name, config, data + schedule)
        ckpt = last_checkpoint(run_dir)
        members.append(ckpt)
        rows.append(
            dict(
                name=name,
                acc=test(name, config, ckpt, data),
                params=count_params(config, {}),
                time=seconds))
    ensemble = [
        f'model.members.{i}.checkpoint={ckpt}'
        for i, ckpt in enumerate(members)
    ]
    rows.append(
        dict(
            name='teacher_ensemble',
            acc=test(
                'teacher_ensemble', ENSEMBLE_CFG, None,
                [f'test_dataloader.dataset.data_root={data_root}', *ensemble]),
            params=sum(r['params'] for r in rows),
            time=sum(r['time'] for r in rows)))
    teacher = ['model.' + 'teacher.' + o[len('model.'):] for o in ensemble]

    # 2. the student alone, then distilled three ways; every student is
    #    tested as a plain checkpoint of the student's own config
    def student_row(name, config, opts, ckpt_name, cache_time=None):
        run_dir, seconds = train(name, config, schedule + opts)
        ckpt = osp.join(run_dir, ckpt_name.format(epoch=epochs(config)))
        return dict(
            name=name,
            acc=test(name, STUDENT_CFG, ckpt, data),
            params=count_params(STUDENT_CFG, {}),
            time=seconds,
            cache_time=cache_time)

    def epochs(config):
        if args.epochs is not None:
            return args.epochs
        from mmengine.config import Config
        return Config.fromfile(config).train_cfg.max_epochs

    rows.append(student_row('student', STUDENT_CFG, data, 'epoch_{epoch}.pth'))
    student_ckpt = 'student_epoch_{epoch}.pth'
    rows.append(
        student_row('student_kd', KD_CFG,
                    data + [f'model.teacher_ckpt={members[0]}'], student_ckpt))
    rows.append(
        student_row('student_hmkd_online', HMKD_CFG, data + teacher,
                    student_ckpt))
    # cached KD: the training set is wrapped in RSKDTeacherOutputDataset
    cache_dir = osp.join(work_dir, 'teacher_cache')
    cached = teacher + [
        f'model.teacher_cache={cache_dir}',
        f'train_dataloader.dataset.cache_dir={cache_dir}',
        f'train_dataloader.dataset.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]
    cache_time = run([
        sys.executable, 'tools/cache_teacher_outputs.py', FASTKD_CFG, '--out',
        cache_dir, '--cfg-options', *cached
    ], osp.join(work_dir, 'teacher_cache.log'))
    rows.append(
        student_row(
            'student_hmkd_cached',
            FASTKD_CFG,
            cached,
            student_ckpt,
            cache_time=cache_time))
    total = time.perf_counter() - start
    print_table(rows, total, work_dir)
    summary = osp.join(work_dir, 'summary.json')
    with open(summary + '.tmp', 'w') as f:
        json.dump(dict(rows=rows, total_time=total), f, indent=2)
    os.replace(summary + '.tmp', summary)
    return rows


LABELS = dict(
    teacher_cnn='teacher member: ResNet-18-w32 (CNN)',
    teacher_vit='teacher member: ViT-tiny/8',
    teacher_ensemble='hybrid teacher: their ensemble',
    student='student MobileNetV2-w0.25, no KD',
    student_kd='student, plain KD (CNN teacher)',
    student_hmkd_online='student, HMKD online',
    student_hmkd_cached='student, HMKD cached (fast KD)')


def print_table(rows, total, work_dir):
    """The demo's table. KD cost: a KD row's training time over the student
    alone's, plus the teacher cache (computed once) for cached KD."""
    base = next(r['time'] for r in rows if r['name'] == 'student')
    print()
    print(f'{"model":<38}{"test top-1 (%)":>15}{"params (M)":>11}'
          f'{"train (s)":>10}{"cache (s)":>10}{"KD cost (s)":>12}')
    print('-' * 96)
    for row in rows:
        train, cache, cost = '-', '-', '-'
        if row['name'] != 'teacher_ensemble':
            train = f"{row['time']:.1f}"
        if row.get('cache_time'):
            cache = f"{row['cache_time']:.1f}"
        if row['name'].startswith('student_'):
            cost = f"{row['time'] - base + (row.get('cache_time') or 0):.1f}"
        print(f'{LABELS[row["name"]]:<38}{row["acc"]:>15.2f}'
              f'{row["params"] / 1e6:>11.3f}{train:>10}{cache:>10}'
              f'{cost:>12}')
    print('-' * 96)
    print(f'total wall time (train + test): {total:.1f} s; logs and '
          f'checkpoints in {work_dir}')


if __name__ == '__main__':
    main()
