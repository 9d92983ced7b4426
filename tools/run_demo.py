# Copyright (c) rskd_mm contributors. All rights reserved.
"""The main job on the embedded default: HMKD-Net from a hybrid teacher.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--data-root ...]
                             [--epochs N] [--seeds 0 [1 2 ...]]

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

and prints a table that can be read on its own:

* every distilled row's **difference from the student alone** with a 95%
  interval: with one training seed, a paired bootstrap over the test
  images (both models' answers on the same images, resampled together;
  ``rskd_mm.utils.paired_stats.paired_bootstrap``); with several
  ``--seeds``, the paired t interval over the seeds;
* the **KD cost per training step**: the median iteration time of each
  run, from its own log (mmengine's ``IterTimerHook``; start-up,
  validation and testing excluded), as a ratio to the student alone's
  step, with the teacher cache spread over the cached run's iterations;
* the last validation accuracy, the split on which the demo's designs are
  chosen (never the test split).

Each step prints one line, and a periodic line (epoch, validation
accuracy, ETA) while a model trains; the full logs go to files. The table
(``demo_table.md``), a plot (``demo.png``: accuracy vs. cost per row, with
the intervals) and ``summary.json`` are written to ``--work-dir``.
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
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

#: seconds between two progress lines of a training run
PROGRESS_EVERY = 15.0


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
        '--seeds',
        type=int,
        nargs='+',
        default=[0],
        help='training seeds of the students (the teachers are trained '
        'once); with more than one, each difference is the mean over the '
        'seeds with a paired t interval')
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


_TRAIN = re.compile(r'Epoch\(train\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\].*?'
                    r'eta: ([\d:]+(?: day[s]?, [\d:]+)?)')
_VAL = re.compile(r'Epoch\(val\)\s*\[(\d+)\].*?accuracy/top1: ([\d.]+)')


class Progress:
    """Turns a training log, line by line, into a periodic progress line:
    epoch i of N, the last validation accuracy, the ETA."""

    def __init__(self, max_epochs=None, every=PROGRESS_EVERY):
        self.max_epochs, self.every = max_epochs, every
        self.epoch, self.eta, self.val = None, None, None
        self.last = time.perf_counter()

    def feed(self, line: str):
        """The progress line to print for ``line``, or None."""
        m = _TRAIN.search(line)
        if m:
            self.epoch, self.eta = int(m.group(1)), m.group(4)
        m = _VAL.search(line)
        if m:
            self.val = float(m.group(2))
        now = time.perf_counter()
        final = m is not None and self.epoch == self.max_epochs
        if self.epoch is None or (now - self.last < self.every and not final):
            return None
        self.last = now
        of = f'/{self.max_epochs}' if self.max_epochs else ''
        val = f', val top-1 {self.val:.2f}' if self.val is not None else ''
        eta = f', eta {self.eta}' if self.eta and not final else ''
        return f'      epoch {self.epoch}{of}{val}{eta}'


def run(cmd, log_file, progress=None):
    """Run a tool, writing its output to ``log_file`` and printing its
    progress lines; fail loudly (with the log's tail)."""
    start = time.perf_counter()
    with open(log_file, 'w') as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            text=True,
            bufsize=1)
        for line in proc.stdout:
            log.write(line)
            shown = progress.feed(line) if progress else None
            if shown:
                print(shown, flush=True)
        proc.wait()
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


def last_val(run_dir):
    """The last validation top-1 of a training run (None without one)."""
    value = None
    for d in sorted(os.listdir(run_dir)) if osp.isdir(run_dir) else ():
        f = osp.join(run_dir, d, 'vis_data', 'scalars.json')
        if osp.isfile(f):
            with open(f) as fh:
                for line in fh:
                    rec = json.loads(line)
                    if 'accuracy/top1' in rec:
                        value = rec['accuracy/top1']
    return value


def correct_by_image(predictions_file):
    """``{image path: predicted label == true label}`` of a test run."""
    with open(predictions_file) as f:
        return {
            p['img_path']: p['pred_label'] == p['gt_label']
            for p in json.load(f)
        }


def main(argv=None):
    args = parse_args(argv)
    import rskd_mm  # noqa: F401  (compatibility layer for count_params)
    from rskd_mm.utils.paired_stats import median_step_time

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
    seeds = list(dict.fromkeys(args.seeds))
    total_steps = 3 + 1 + 4 * len(seeds)
    step = [0]

    def announce(text):
        step[0] += 1
        print(f'[{step[0]}/{total_steps}] {text}', flush=True)

    def epochs(config):
        if args.epochs is not None:
            return args.epochs
        from mmengine.config import Config
        return Config.fromfile(config).train_cfg.max_epochs

    def train(name, config, opts):
        run_dir = osp.join(work_dir, name)
        log = osp.join(work_dir, f'{name}_train.log')
        print(f'      training; log: {log}', flush=True)
        # only the last full checkpoint is used: no write every epoch
        seconds = run([
            sys.executable, 'tools/train.py', config, '--work-dir', run_dir,
            '--cfg-options', *opts,
            f'default_hooks.checkpoint.interval={epochs(config)}'
        ], log, Progress(epochs(config)))
        return run_dir, seconds

    def test(name, config, ckpt, opts):
        run_dir = osp.join(work_dir, name)
        metrics_file = osp.join(run_dir, 'test_metrics.json')
        predictions = osp.join(run_dir, 'test_predictions.json')
        cmd = [sys.executable, 'tools/test.py', config]
        cmd += [ckpt] if ckpt else []
        print('      testing', flush=True)
        run(
            cmd + [
                '--work-dir', run_dir, '--metrics-out', metrics_file,
                '--predictions-out', predictions, '--cfg-options', *opts
            ], osp.join(work_dir, f'{name}_test.log'))
        with open(metrics_file) as f:
            return json.load(f)['accuracy/top1'], correct_by_image(predictions)

    start = time.perf_counter()
    rows = []
    # 1. the hybrid teacher: CNN and ViT members, then their ensemble
    members = []
    for name, config in (('teacher_cnn', CNN_CFG), ('teacher_vit', VIT_CFG)):
        announce(f'{LABELS[name]}: train and test')
        run_dir, seconds = train(name, config, data + schedule)
        ckpt = last_checkpoint(run_dir)
        members.append(ckpt)
        acc, _ = test(name, config, ckpt, data)
        rows.append(
            dict(
                name=name,
                acc=acc,
                val=last_val(run_dir),
                params=count_params(config, {}),
                time=seconds))
    ensemble = [
        f'model.members.{i}.checkpoint={ckpt}'
        for i, ckpt in enumerate(members)
    ]
    announce(f'{LABELS["teacher_ensemble"]}: test')
    acc, _ = test(
        'teacher_ensemble', ENSEMBLE_CFG, None,
        [f'test_dataloader.dataset.data_root={data_root}', *ensemble])
    rows.append(
        dict(
            name='teacher_ensemble',
            acc=acc,
            params=sum(r['params'] for r in rows)))
    teacher = ['model.' + 'teacher.' + o[len('model.'):] for o in ensemble]

    # cached KD: the training set is wrapped in RSKDTeacherOutputDataset;
    # the cache (teacher outputs on K draws per image) is built once
    cache_dir = osp.join(work_dir, 'teacher_cache')
    cached = teacher + [
        f'model.teacher_cache={cache_dir}',
        f'train_dataloader.dataset.cache_dir={cache_dir}',
        f'train_dataloader.dataset.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}'
    ]
    announce('teacher cache for fast KD (the hybrid teacher, once)')
    cache_time = run([
        sys.executable, 'tools/cache_teacher_outputs.py', FASTKD_CFG, '--out',
        cache_dir, '--cfg-options', *cached
    ], osp.join(work_dir, 'teacher_cache.log'))

    # 2. the student alone, then distilled three ways, per seed; every
    #    student is tested as a plain checkpoint of the student's own config
    students = (('student', STUDENT_CFG, data, 'epoch_{epoch}.pth'),
                ('student_kd', KD_CFG,
                 data + [f'model.teacher_ckpt={members[0]}'],
                 'student_epoch_{epoch}.pth'),
                ('student_hmkd_online', HMKD_CFG, data + teacher,
                 'student_epoch_{epoch}.pth'), ('student_hmkd_cached',
                                                FASTKD_CFG, cached,
                                                'student_epoch_{epoch}.pth'))
    params = count_params(STUDENT_CFG, {})
    for name, config, opts, ckpt_name in students:
        runs = {}
        for seed in seeds:
            tag = name if len(seeds) == 1 else f'{name}_seed{seed}'
            announce(f'{LABELS[name]}: train and test' +
                     (f' (seed {seed})' if len(seeds) > 1 else ''))
            run_dir, seconds = train(
                tag, config, schedule + opts + [f'randomness.seed={seed}'])
            ckpt = osp.join(run_dir, ckpt_name.format(epoch=epochs(config)))
            acc, correct = test(tag, STUDENT_CFG, ckpt, data)
            timing = median_step_time(run_dir)
            runs[seed] = dict(
                acc=acc,
                val=last_val(run_dir),
                time=seconds,
                correct=correct,
                step_s=timing[0] if timing else None,
                iters=timing[2] if timing else None)
        rows.append(
            dict(
                name=name,
                runs=runs,
                acc=statistics.mean(r['acc'] for r in runs.values()),
                params=params,
                cache_time=cache_time
                if name == 'student_hmkd_cached' else None))
    compare(rows, seeds)
    total = time.perf_counter() - start
    table = format_table(rows, seeds)
    print()
    print(table)
    print(f'total wall time (train + test): {total:.1f} s; logs and '
          f'checkpoints in {work_dir}')
    table_file = osp.join(work_dir, 'demo_table.md')
    _write(table_file, table + '\n')
    plot = osp.join(work_dir, 'demo.png')
    plot_rows(rows, plot)
    summary = osp.join(work_dir, 'summary.json')
    for row in rows:  # per-image answers stay in the runs' folders
        for r in row.get('runs', {}).values():
            r.pop('correct', None)
    _write(
        summary,
        json.dumps(dict(rows=rows, seeds=seeds, total_time=total), indent=2))
    print(f'table: {table_file}\nplot: {plot}\nsummary: {summary}')
    return rows


def _write(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


def compare(rows, seeds):
    """Each distilled row's difference from the student alone (``diff``:
    points, low, high, how) and its step cost (``cost``: ratio to the
    student's median step, the cache spread over the run's iterations)."""
    from rskd_mm.utils.paired_stats import paired_bootstrap, paired_diff
    base = next(r for r in rows if r['name'] == 'student')
    base_step = [r['step_s'] for r in base['runs'].values() if r['step_s']]
    base_step = statistics.median(base_step) if base_step else None
    for row in rows:
        if 'runs' not in row:
            continue
        steps = [r['step_s'] for r in row['runs'].values() if r['step_s']]
        iters = [r['iters'] for r in row['runs'].values() if r['iters']]
        row['step_s'] = statistics.median(steps) if steps else None
        amortised = (row.get('cache_time') or 0) / (
            statistics.median(iters) * len(seeds)) if iters else 0.0
        row['cache_per_step_s'] = amortised
        row['cost'] = ((row['step_s'] + amortised) /
                       base_step if row['step_s'] and base_step else None)
        vals = [r['val'] for r in row['runs'].values() if r['val'] is not None]
        row['val'] = statistics.mean(vals) if vals else None
        if row['name'] == 'student':
            continue
        if len(seeds) == 1:
            seed = seeds[0]
            mine, theirs = row['runs'][seed]['correct'], base['runs'][seed][
                'correct']
            images = sorted(set(mine) & set(theirs))
            d, lo, hi = paired_bootstrap([mine[i] for i in images],
                                         [theirs[i] for i in images])
            row['diff'] = dict(
                points=d,
                low=lo,
                high=hi,
                how=f'paired bootstrap over {len(images)} test images')
        else:
            res = paired_diff({s: r['acc']
                               for s, r in row['runs'].items()},
                              {s: r['acc']
                               for s, r in base['runs'].items()})
            mean, half, n = res
            row['diff'] = dict(
                points=mean,
                low=mean - half,
                high=mean + half,
                how=f'paired t over {n} seeds')


LABELS = dict(
    teacher_cnn='teacher member: ResNet-18-w32 (CNN)',
    teacher_vit='teacher member: ViT-tiny/8',
    teacher_ensemble='hybrid teacher: their ensemble',
    student='student MobileNetV2-w0.25, no KD',
    student_kd='student, plain KD (CNN teacher)',
    student_hmkd_online='student, HMKD online',
    student_hmkd_cached='student, HMKD cached (fast KD)')


def format_table(rows, seeds):
    """The demo's table and the lines that say how to read it."""
    how = next((r['diff']['how'] for r in rows if r.get('diff')), '')
    mean = ' (mean over seeds ' + ','.join(map(str, seeds)) + ')' \
        if len(seeds) > 1 else ''
    head = (f'{"model":<36}{"test top-1":>11}{"vs student alone":>24}'
            f'{"val top-1":>10}{"params (M)":>11}{"step (ms)":>10}'
            f'{"KD cost":>9}')
    lines = [head, '-' * len(head)]
    for row in rows:
        diff = '-'
        if row.get('diff'):
            d = row['diff']
            diff = f"{d['points']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"
        val = f"{row['val']:.2f}" if row.get('val') is not None else '-'
        step = f"{1e3 * row['step_s']:.0f}" if row.get('step_s') else '-'
        cost = '-'
        if row.get('cost'):
            cost = f"{row['cost']:.2f}x"
            if row.get('cache_per_step_s'):
                cost += '*'
        lines.append(f"{LABELS[row['name']]:<36}{row['acc']:>11.2f}"
                     f'{diff:>24}{val:>10}{row["params"] / 1e6:>11.3f}'
                     f'{step:>10}{cost:>9}')
    lines.append('-' * len(head))
    lines += [
        f'test top-1{mean}: % of the test images. vs student alone: the '
        f'difference in points with its 95% interval ({how}); an interval '
        'that contains 0 is a difference this comparison cannot tell from '
        'chance.',
        'step: median training iteration of the run, from its own log '
        '(start-up, validation and testing excluded). KD cost: that step '
        "over the student alone's step; * = the teacher cache's build time "
        'spread over the cached runs\' iterations is included. val top-1: '
        'the split the demo\'s designs are chosen on.'
    ]
    return '\n'.join(lines)


def plot_rows(rows, path):
    """Test top-1 against KD cost for the student rows, with the 95%
    interval of each difference from the student alone."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for row in rows:
        if row.get('cost') is None:
            continue
        d = row.get('diff')
        yerr = [[d['points'] - d['low']], [d['high'] - d['points']]] \
            if d else None
        ax.errorbar([row['cost']], [row['acc']],
                    yerr=yerr,
                    fmt='o',
                    capsize=4,
                    label=LABELS[row['name']])
    ax.set_xlabel("training cost per step (x the student alone's step)")
    ax.set_ylabel('test top-1 (%)')
    ax.set_title(
        'Demo: students (bars: 95% interval of the difference '
        'from the student alone)',
        fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    tmp = path[:-4] + '.tmp.png'
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


if __name__ == '__main__':
    main()
