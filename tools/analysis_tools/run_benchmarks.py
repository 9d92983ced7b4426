# Copyright (c) rskd_mm contributors. All rights reserved.
"""Rerun the results of docs/results.md on the real data in ../shared/data,
or any of its rows, and regenerate the tables and plots.

    python tools/analysis_tools/run_benchmarks.py [--suite eurosat dubai]
        [--rows student hmkd_online ...] [--seeds 0 1 2]
        [--data-root ../shared/data] [--work-root work_dirs/benchmarks]
        [--train-options KEY=VALUE ...] [--tables-only] [--dry-run]
        [--results docs/results.md] [--figures docs/figures]

Every row is a chain of steps (train, build a teacher cache, export a
pruned model, turn a distillation checkpoint into a student checkpoint,
test) run with the project's own tools (``tools/train.py``,
``tools/test.py``, ``tools/cache_teacher_outputs.py``,
``tools/pruning/export_pruned.py``,
``tools/model_converters/distill_to_student.py``) as subprocesses. Suites:
``eurosat`` (scene classification, 3 seeds), ``dubai`` (DP-CTNet ->
pruning -> EDP-CTNet without KD / AKD / CWD / both, one seed),
``dubai_akd`` (the AKD ablation: AKD designs compared on a validation tile
carved out of the training tiles, then no KD / AKD / CWD / both on paired
seeds; its tables go to WORK_ROOT/dubai_akd/results.md) and ``scene`` (any
scene-classification folder given as --data-root); a row's
prerequisites (e.g. the teacher of a KD row) run first. Each step writes its
result file atomically when it finishes, and a step whose result exists is
skipped, so an interrupted run resumes where it stopped. Progress is printed
as ``[done/total] row seed step``. At the end (or with ``--tables-only``) the
tables between the ``<!-- results:NAME -->`` markers of the results file and
the plots in docs/figures/ are regenerated from the result files; rows with
missing seeds are shown with the seeds they have.

The exact command of every step is stored with its result
(``<work-root>/<suite>/<row>/seed<S>/<step>.json``) and printed in the tables'
command listing.
"""
import argparse
import functools
import json
import os
import os.path as osp
import shlex
import statistics
import subprocess
import sys
import time

# the paired statistics and the step time, shared with tools/run_demo.py
from rskd_mm.utils.paired_stats import median_step_time, paired_diff

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PY = sys.executable

# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------
EURO_CNN = 'configs/baselines/resnet18-w32_1xb64-3e_eurosat-64px.py'
EURO_VIT = 'configs/baselines/vit-t-p8_1xb64-3e_eurosat-64px.py'
EURO_ENS = 'configs/hmkd/ensemble-r18w32-vit-t8_eurosat-64px.py'
EURO_STUDENT = 'configs/baselines/mobilenetv2-w025_1xb64-3e_eurosat-64px.py'
EURO_KD = 'configs/hmkd/kd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py'
EURO_LUKD = ('configs/lukd/'
             'lukd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
# HMKD reading (a), logit standardisation (the HMKD default of the EuroSAT
# rows below; the default is now plain KL, see configs/hmkd/README.md)
EURO_HMKD = ('configs/hmkd/'
             'lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_FAST = ('configs/fastkd/'
             'fastkd-lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_EPOCHS = 3
LAST = '@last:'  # the last checkpoint of a work dir, resolved at run time
DUBAI_TEACHER = 'configs/dpctnet/dpctnet-t_1xb8-1k_dubai-384px.py'
DUBAI_PRUNE = 'configs/dpctnet/prune-l1_dpctnet-t_1xb8-100_dubai-384px.py'
DUBAI_EDP = 'configs/dpctnet/edpctnet-t_1xb8-500_dubai-384px.py'
DUBAI_AKD = 'configs/dpctnet/akd_dpctnet-t_edpctnet-t_1xb8-500_dubai-384px.py'
DUBAI_CWD = 'configs/dpctnet/cwd_dpctnet-t_edpctnet-t_1xb8-500_dubai-384px.py'
DUBAI_AKD_CWD = ('configs/dpctnet/'
                 'akd-cwd_dpctnet-t_edpctnet-t_1xb8-500_dubai-384px.py')


def _row(name,
         label,
         role,
         test_config,
         *,
         train_config=None,
         checkpoint=None,
         seeds=None,
         needs=(),
         cache=False,
         model=None,
         kind=None,
         options=(),
         split=None):
    return dict(
        kind=kind,
        options=tuple(options),
        split=split,
        name=name,
        label=label,
        role=role,
        train_config=train_config,
        test_config=test_config,
        checkpoint=checkpoint,
        seeds=seeds,
        needs=tuple(needs),
        cache=cache,
        model=model or test_config)


SUITES = {
    'eurosat':
    dict(
        title='EuroSAT scene classification',
        data='eurosat_rgb',
        check='meta/train.txt',
        epochs=EURO_EPOCHS,
        input_shape=(3, 64, 64),
        metric='accuracy/top1',
        extra_metrics=[dict(type='ConfusionMatrix')],
        rows=[
            _row(
                'cnn',
                'Teacher member: ResNet-18-w32 (CNN)',
                'teacher',
                EURO_CNN,
                train_config=EURO_CNN,
                checkpoint='epoch_3.pth',
                seeds=(0, )),
            _row(
                'vit',
                'Teacher member: ViT-tiny/8 (transformer)',
                'teacher',
                EURO_VIT,
                train_config=EURO_VIT,
                checkpoint='epoch_3.pth',
                seeds=(0, )),
            _row(
                'ensemble',
                'Teacher: ensemble of both (prob. average)',
                'teacher',
                EURO_ENS,
                seeds=(0, ),
                needs=('cnn', 'vit')),
            _row(
                'student',
                'Student alone: MobileNetV2-w0.25',
                'student',
                EURO_STUDENT,
                train_config=EURO_STUDENT,
                checkpoint='epoch_3.pth'),
            _row(
                'kd',
                'Plain KD (KL, tau 4), ensemble teacher',
                'student',
                EURO_STUDENT,
                train_config=EURO_KD,
                checkpoint='student_epoch_3.pth',
                needs=('cnn', 'vit')),
            _row(
                'lukd',
                'Land-use KD (KL + cosine), ensemble teacher',
                'student',
                EURO_STUDENT,
                train_config=EURO_LUKD,
                checkpoint='student_epoch_3.pth',
                needs=('cnn', 'vit')),
            _row(
                'hmkd_online',
                'HMKD (variance-normalised KD), online',
                'student',
                EURO_STUDENT,
                train_config=EURO_HMKD,
                checkpoint='student_epoch_3.pth',
                needs=('cnn', 'vit')),
            _row(
                'hmkd_cached',
                'HMKD, cached teacher (fast KD, K=4)',
                'student',
                EURO_STUDENT,
                train_config=EURO_FAST,
                checkpoint='student_epoch_3.pth',
                needs=('cnn', 'vit'),
                cache=True),
        ]),
    'dubai':
    dict(
        title='Dubai aerial semantic segmentation',
        data='dubai_aerial',
        check='meta/val.txt',
        input_shape=(3, 384, 384),
        metric='mIoU',
        classes=('water', 'land', 'road', 'building', 'vegetation',
                 'unlabeled'),
        palette=[[226, 169, 41], [132, 41, 246], [110, 193, 228],
                 [60, 16, 152], [254, 221, 58], [155, 155, 155]],
        rows=[
            _row(
                'teacher',
                'Teacher: DP-CTNet (tiny)',
                'teacher',
                DUBAI_TEACHER,
                train_config=DUBAI_TEACHER,
                checkpoint=LAST,
                seeds=(0, )),
            _row(
                'pruned', 'DP-CTNet pruned to 25% channels (L1), before '
                'fine-tuning',
                'student',
                DUBAI_EDP,
                train_config=DUBAI_PRUNE,
                checkpoint='pruned.pth',
                seeds=(0, ),
                needs=('teacher', ),
                kind='prune'),
            _row(
                'edp',
                'EDP-CTNet, fine-tuned without KD',
                'student',
                DUBAI_EDP,
                train_config=DUBAI_EDP,
                checkpoint=LAST,
                seeds=(0, ),
                needs=('pruned', ),
                kind='edp'),
            _row(
                'edp_akd',
                'EDP-CTNet + AKD (fused features)',
                'student',
                DUBAI_EDP,
                train_config=DUBAI_AKD,
                checkpoint='student.pth',
                seeds=(0, ),
                needs=('teacher', 'pruned'),
                kind='edp_kd'),
            _row(
                'edp_cwd',
                'EDP-CTNet + CWD (logits)',
                'student',
                DUBAI_EDP,
                train_config=DUBAI_CWD,
                checkpoint='student.pth',
                seeds=(0, ),
                needs=('teacher', 'pruned'),
                kind='edp_kd'),
            _row(
                'edp_akd_cwd',
                'EDP-CTNet + AKD + CWD',
                'student',
                DUBAI_EDP,
                train_config=DUBAI_AKD_CWD,
                checkpoint='student.pth',
                seeds=(0, ),
                needs=('teacher', 'pruned'),
                kind='edp_kd'),
        ]),
}

# The AKD ablation on Dubai (issue 13): the AKD design is chosen on a
# validation tile carved out of the training tiles (tile 7, fixed before any
# run), never on the reported tiles; the teacher, the pruning and every
# fine-tuning train on the remaining training tiles. Then no KD / AKD (the
# chosen design) / CWD / AKD + CWD are fine-tuned from the same pruned
# weights with paired seeds and tested on the reported tiles
# (meta/val.txt). Results: WORK_ROOT/dubai_akd/results.md.
DUBAI_DESIGN_TILE = 'tile7'
AKD_KEY = 'model.distiller.distill_losses.loss_akd'
AKD_MAP = 'model.distiller.loss_forward_mappings.loss_akd'
#: the AKD candidates of the design step: (name, label, config, options)
DUBAI_AKD_DESIGNS = (
    ('w10', 'AKD on the fused stage-1 features, weight 10', DUBAI_AKD,
     (f'{AKD_KEY}.loss_weight=10.0', )),
    ('w50', 'AKD on the fused stage-1 features, weight 50 (the configs)',
     DUBAI_AKD, ()),
    ('w200', 'AKD on the fused stage-1 features, weight 200', DUBAI_AKD,
     (f'{AKD_KEY}.loss_weight=200.0', )),
    ('p8', 'AKD on the fused stage-1 features, weight 50, 8x8 grid', DUBAI_AKD,
     (f'{AKD_KEY}.pool_size=(8,8)', )),
    ('logits', 'AKD on the logits, weight 50', DUBAI_AKD,
     (f'{AKD_MAP}.preds_S.recorder=logits',
      f'{AKD_MAP}.preds_T.recorder=logits')),
    ('cwd', 'AKD on the fused stage-1 features, weight 50, + CWD',
     DUBAI_AKD_CWD, ()),
)
#: the design chosen on the design tile (docs/results.md, "Does AKD
#: earn its place?")
DUBAI_AKD_CHOICE = 'logits'
DUBAI_AKD_SEEDS = (0, 1, 2)
DUBAI_DESIGN_SEEDS = (0, 1)


def _dubai_akd_rows():
    """The rows of the Dubai suite, with the design candidates on the
    design tile and the reported rows on paired seeds."""
    choice = dict((d[0], d[3]) for d in DUBAI_AKD_DESIGNS)[DUBAI_AKD_CHOICE]
    dubai = {r['name']: r for r in SUITES['dubai']['rows']}
    rows = [
        dict(dubai['teacher'], split='report'),
        dict(
            dubai['pruned'],
            label='DP-CTNet pruned to 25% channels (L1, both paths), '
            'before fine-tuning',
            split='report'),
        dict(
            dubai['edp'],
            name='d_edp',
            seeds=DUBAI_DESIGN_SEEDS,
            split='design'),
    ]
    for name, label, config, options in DUBAI_AKD_DESIGNS:
        rows.append(
            dict(
                dubai['edp_akd'],
                name=f'd_akd_{name}',
                label=f'EDP-CTNet + {label}',
                train_config=config,
                seeds=DUBAI_DESIGN_SEEDS,
                options=options,
                split='design'))
    akd = f'AKD (design {DUBAI_AKD_CHOICE})'
    reported = (
        ('edp', None, ()),
        ('edp_akd', f'EDP-CTNet + {akd}', choice),
        ('edp_cwd', None, ()),
        ('edp_akd_cwd', f'EDP-CTNet + {akd} + CWD', choice),
    )
    for name, label, options in reported:
        rows.append(
            dict(
                dubai[name],
                label=label or dubai[name]['label'],
                seeds=DUBAI_AKD_SEEDS,
                options=options,
                split='report'))
    return rows


SUITES['dubai_akd'] = dict(
    SUITES['dubai'],
    title='Dubai aerial segmentation: the AKD ablation (design on a '
    'carved-out validation tile, paired seeds on the reported tiles)',
    check='meta/train.txt',
    rows=_dubai_akd_rows())
DUBAI_SUITES = ('dubai', 'dubai_akd')


def dubai_splits(args, suite):
    """The training tiles without the design tile, and the design tile:
    annotation files (one stem per line) written under
    WORK_ROOT/dubai_akd/splits, returned as absolute paths (read and
    written once per data and work root)."""
    return _dubai_splits(
        osp.abspath(osp.join(args.data_root, suite['data'])), args.work_root)


@functools.lru_cache(maxsize=None)
def _dubai_splits(data, work_root):
    ann = osp.join(data, 'meta', 'train.txt')
    with open(ann) as f:
        stems = [line.strip() for line in f if line.strip()]
    design = [s for s in stems if s.split('_')[0] == DUBAI_DESIGN_TILE]
    train = [s for s in stems if s not in design]
    if not design or not train:
        raise ValueError(f'{ann}: the design tile {DUBAI_DESIGN_TILE!r} '
                         f'must be one of several training tiles; it has '
                         f'{len(design)} of {len(stems)} stems')
    out = osp.join(work_root, 'dubai_akd', 'splits')
    paths = []
    for name, lines in (('train', train), ('design_val', design)):
        path = osp.join(out, f'{name}.txt')
        text = '\n'.join(lines) + '\n'
        if not osp.isfile(path) or open(path).read() != text:
            os.makedirs(out, exist_ok=True)
            write_text_atomic(path, text)
        paths.append(path)
    return tuple(paths)


# The scene suite: any folder in the images/<Class>/<file> +
# meta/{classes,train,val,test}.txt layout, with the EuroSAT CPU-sized
# configs adapted by --cfg-options (data set type and root, class count,
# input size, epochs). `arch` says which keys of a config hold the class
# count: 'cls' (a classifier), 'kd' (a distillation: student + ensemble
# teacher), 'ensemble' (the ensemble teacher alone).
EURO_EVKD = ('configs/hmkd/'
             'evkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_MEAN = ('configs/fastkd/'
             'fastkd-mean-kd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_CLEAN = ('configs/fastkd/fastkd-clean-kd_r18w32-vit-t8_mnv2w025_'
              '1xb64-3e_eurosat-64px.py')
EURO_MIX = 'configs/hmkd/mixkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py'
EURO_DKD = 'configs/hmkd/dkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py'
EURO_MIX_FAST = (
    'configs/fastkd/'
    'fastkd-mixkd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_DIST = 'configs/hmkd/dist_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py'
EURO_KL_DIST = ('configs/hmkd/'
                'kl-dist_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_DIST_FAST = (
    'configs/fastkd/'
    'fastkd-dist_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_KL_DIST_FAST = (
    'configs/fastkd/'
    'fastkd-kl-dist_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
EURO_KL_COS_FAST = (
    'configs/fastkd/'
    'fastkd-kl-cos_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py')
SCENE_ROWS = [
    # name, label, arch, train config, test config, checkpoint, cache
    ('cnn', 'Teacher member: ResNet-18-w32 (CNN)', 'cls', EURO_CNN, EURO_CNN,
     'epoch_{E}.pth', None),
    ('vit', 'Teacher member: ViT-tiny/8 (transformer)', 'cls', EURO_VIT,
     EURO_VIT, 'epoch_{E}.pth', None),
    ('ensemble', 'Teacher: ensemble of both (prob. average)', 'ensemble', None,
     EURO_ENS, None, None),
    ('student', 'Student alone: MobileNetV2-w0.25', 'cls', EURO_STUDENT,
     EURO_STUDENT, 'epoch_{E}.pth', None),
    ('kd', 'Plain KD (KL, tau 4)', 'kd', EURO_KD, EURO_STUDENT,
     'student_epoch_{E}.pth', None),
    ('ls_online', '(a) logit standardisation, online', 'kd', EURO_HMKD,
     EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('ls_cached', '(a) logit standardisation, cached (K=4 draws)', 'kd',
     EURO_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', 'k4'),
    ('ev_online', '(b) ensemble-variance weighted KD, online', 'kd', EURO_EVKD,
     EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('mean_cached', '(c) draw-averaged teacher target, cached (K=4)', 'kd',
     EURO_MEAN, EURO_STUDENT, 'student_epoch_{E}.pth', 'k4'),
    ('clean_cached', '(d) KD on un-augmented images, cached (K=1)', 'kd',
     EURO_CLEAN, EURO_STUDENT, 'student_epoch_{E}.pth', 'clean'),
    ('lukd', 'Land-use KD (KL + cosine)', 'kd', EURO_LUKD, EURO_STUDENT,
     'student_epoch_{E}.pth', None),
    ('mix_online', '(e) KD on mixed images (function matching), online', 'kd',
     EURO_MIX, EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('mix_cached', '(e) KD on mixed images, cached (K=4, mixed targets)', 'kd',
     EURO_MIX_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', 'k4'),
    ('dkd_online', '(f) decoupled KD (DKD, beta 8), online', 'kd', EURO_DKD,
     EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('dist_online', '(g) correlation KD (DIST), online', 'kd', EURO_DIST,
     EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('dist_cached', '(g) correlation KD (DIST), cached (K=4, mean target)',
     'kd', EURO_DIST_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', 'k4'),
    ('kldist_online', '(h) KL + DIST correlation, online', 'kd', EURO_KL_DIST,
     EURO_STUDENT, 'student_epoch_{E}.pth', None),
    ('kldist_cached', '(h) KL + DIST correlation, cached (K=4, mean target)',
     'kd', EURO_KL_DIST_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', 'k4'),
    ('lukd_cached', 'Land-use KD loss (KL + cosine), cached (K=4, mean '
     'target)', 'kd', EURO_KL_COS_FAST, EURO_STUDENT, 'student_epoch_{E}.pth',
     'k4'),
] + [
    # the K ablation of cached KD, exact replay (K=4 is ls_cached)
    (f'ls_cached_k{k}', f'(a) logit standardisation, cached (K={k} draws)',
     'kd', EURO_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', f'k{k}')
    for k in (1, 2, 8, 16)
] + [
    # the K ablation of the default cached design, the mean target over K
    # draws (K=4 is kldist_cached)
    (f'kldist_cached_k{k}', f'(h) KL + DIST, cached (K={k}, mean target)',
     'kd', EURO_KL_DIST_FAST, EURO_STUDENT, 'student_epoch_{E}.pth', f'k{k}')
    for k in (1, 2, 8, 16)
]

# each cached row's online counterpart (the same loss, the teacher run every
# step): the scene table pairs them, cached minus online
SCENE_ONLINE_OF = dict(
    ls_cached='ls_online',
    mean_cached='kd',
    clean_cached='kd',
    mix_cached='mix_online',
    dist_cached='dist_online',
    kldist_cached='kldist_online',
    lukd_cached='lukd',
    **{f'ls_cached_k{k}': 'ls_online'
       for k in (1, 2, 8, 16)},
    **{f'kldist_cached_k{k}': 'kldist_online'
       for k in (1, 2, 8, 16)})


def scene_suite(args):
    """The scene suite for --data-root DIR (the data set folder itself)."""
    from rskd_mm.datasets.annotation_check import read_classes_file
    root = osp.abspath(args.data_root)
    classes_file = osp.join(root, 'meta', 'classes.txt')
    if not osp.isfile(classes_file):
        sys.exit(f'run_benchmarks.py: --suite scene needs {classes_file} '
                 '(one class name per line, in label order) and '
                 'meta/{train,val,test}.txt under --data-root; nothing was '
                 'run or written')
    classes = read_classes_file(classes_file)
    rows = []
    for name, label, arch, train, test, ckpt, cache in SCENE_ROWS:
        needs = ('cnn', 'vit') if arch in ('kd', 'ensemble') else ()
        teacher = name in ('cnn', 'vit', 'ensemble')
        row = _row(
            name,
            label,
            'teacher' if teacher else 'student',
            test,
            train_config=train,
            checkpoint=ckpt.format(E=args.epochs) if ckpt else None,
            seeds=(0, ) if teacher else None,
            needs=needs,
            cache=bool(cache))
        row.update(
            arch=arch, cache_name=cache, online=SCENE_ONLINE_OF.get(name))
        rows.append(row)
    return dict(
        # named relative to the project, never by this machine's path
        title=f'Scene classification: {osp.relpath(root, ROOT)}',
        data='',
        check='meta/train.txt',
        epochs=args.epochs,
        img_size=args.img_size,
        classes=classes,
        input_shape=(3, args.img_size, args.img_size),
        metric='accuracy/top1',
        rows=rows,
        scene=True)


def scene_options(args, suite, row, seed, test=False):
    """--cfg-options of a scene-suite row: data set type and root on every
    split, class count, input size, schedule, teacher members."""
    data = osp.abspath(args.data_root)
    n, size, epochs = len(suite['classes']), suite['img_size'], suite['epochs']
    opts = []
    splits = ('train', 'val', 'test') if row['train_config'] else ('test', )
    for split in splits:
        key = f'{split}_dataloader.dataset'
        if split == 'train' and row['cache'] and not test:
            key += '.dataset'
        opts += [
            f'{key}.type=RSKDSceneDataset', f'{key}.data_root={data}',
            f'{key}.metainfo=None', f'{key}.pipeline.1.scale={size}'
        ]
    arch = 'cls' if test and row['arch'] == 'kd' else row['arch']
    if arch == 'cls':
        opts.append(f'model.head.num_classes={n}')
        if row['name'] == 'vit':
            opts.append(f'model.backbone.img_size={size}')
    else:
        prefix = 'model' if arch == 'ensemble' else 'model.teacher'
        if arch == 'kd':
            opts += [
                f'model.architecture.head.num_classes={n}',
                # one-hot size of batch augments (Mixup) on the labels
                f'model.architecture.data_preprocessor.num_classes={n}'
            ]
        for i, member in enumerate(('cnn', 'vit')):
            ckpt = osp.join(
                row_dir(args, 'scene', member, 0), f'epoch_{epochs}.pth')
            opts += [
                f'{prefix}.members.{i}.checkpoint={ckpt}',
                f'{prefix}.members.{i}.model.head.num_classes={n}'
            ]
        opts += [
            f'{prefix}.members.1.model.backbone.img_size={size}',
            f'{prefix}.data_preprocessor.num_classes={n}'
        ]
    if n < 5:
        # mmpretrain's Accuracy raises on top-5 with fewer than 5 classes
        opts += [
            f'{split}_evaluator.topk=1' for split in ('val', 'test')
            if split in splits
        ]
    if (row.get('cache_name') or '').startswith('k') and not test:
        opts.append('train_dataloader.dataset.num_draws='
                    f"{row['cache_name'][1:]}")
    if row['train_config'] and not test:
        opts += [
            f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.0.T_max={epochs}'
        ]
        opts.append(f'randomness.seed={seed}')
    return opts


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------
def seeds_of(row, seeds):
    return tuple(row['seeds']) if row['seeds'] is not None else tuple(seeds)


def row_dir(args, suite, row, seed):
    return osp.join(args.work_root, suite, row, f'seed{seed}')


def dump_atomic(obj, path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def load(path):
    with open(path) as f:
        return json.load(f)


def suite_options(args, suite_name, suite, row, seed):
    """--cfg-options shared by every step of a row."""
    data = osp.abspath(osp.join(args.data_root, suite['data']))
    opts = []
    if suite_name == 'eurosat':
        # an evaluation-only config (the ensemble) has no train/val loaders
        splits = ('train', 'val',
                  'test') if row['train_config'] else ('test', )
        for split in splits:
            key = f'{split}_dataloader.dataset.data_root'
            if split == 'train' and row['cache']:
                key = 'train_dataloader.dataset.dataset.data_root'
            opts.append(f'{key}={data}')
        if 'cnn' in row['needs']:
            cnn = osp.join(row_dir(args, suite_name, 'cnn', 0), 'epoch_3.pth')
            vit = osp.join(row_dir(args, suite_name, 'vit', 0), 'epoch_3.pth')
            prefix = 'model' if row['name'] == 'ensemble' else 'model.teacher'
            opts += [
                f'{prefix}.members.0.checkpoint={cnn}',
                f'{prefix}.members.1.checkpoint={vit}'
            ]
    if suite_name in DUBAI_SUITES:
        opts += [
            f'{split}_dataloader.dataset.data_root={data}'
            for split in ('train', 'val', 'test')
        ]
        if suite_name == 'dubai_akd':
            train_ann, design_ann = dubai_splits(args, suite)
            opts += [
                f'train_dataloader.dataset.ann_file={train_ann}',
                f'val_dataloader.dataset.ann_file={design_ann}'
            ]
        teacher = LAST + row_dir(args, suite_name, 'teacher', 0)
        prune = row_dir(args, suite_name, 'pruned', 0)
        subnet = osp.join(prune, 'fix_subnet.json')
        if row['kind'] == 'prune':
            opts.append(f'load_from={teacher}')
        elif row['kind'] == 'edp':
            opts += [
                f'model.fix_subnet={subnet}',
                f"load_from={osp.join(prune, 'pruned.pth')}"
            ]
        elif row['kind'] == 'edp_kd':
            opts += [
                f'model.architecture.fix_subnet={subnet}',
                f'model.teacher_ckpt={teacher}',
                f"load_from={osp.join(prune, 'pruned.pth')}"
            ]
        opts += list(row.get('options') or ())
    opts.append(f'randomness.seed={seed}')
    return opts


def dubai_test_options(args, suite_name, suite, row):
    """Every Dubai row but the teacher is tested as the plain EDP-CTNet
    (its `sub_model` config with the exported structure)."""
    data = osp.abspath(osp.join(args.data_root, suite['data']))
    opts = [
        f'{split}_dataloader.dataset.data_root={data}'
        for split in ('train', 'val', 'test')
    ]
    if row['name'] != 'teacher':
        subnet = osp.join(
            row_dir(args, suite_name, 'pruned', 0), 'fix_subnet.json')
        opts.append(f'model.fix_subnet={subnet}')
    if suite_name == 'dubai_akd':
        # design rows on the design tile, the others on the reported tiles
        ann = dubai_splits(args, suite)[1] if row['split'] == 'design' \
            else 'meta/val.txt'
        opts += [
            f'{split}_dataloader.dataset.ann_file={ann}'
            for split in ('val', 'test')
        ]
    return opts


def plan(args, suite_name, suite, rows):
    """The ordered steps: (row, seed, step, command, output file)."""
    steps = []
    wanted = {r['name'] for r in rows}
    by_name = {r['name']: r for r in suite['rows']}
    while True:  # what the wanted rows need, and what that needs
        more = {n for w in wanted for n in by_name[w]['needs']} - wanted
        if not more:
            break
        wanted |= more
    # dependencies first: suites list their rows in dependency order
    order = [row for row in suite['rows'] if row['name'] in wanted]
    for row in order:
        for seed in seeds_of(row, args.seeds):
            out = row_dir(args, suite_name, row['name'], seed)
            if suite.get('scene'):
                opts = scene_options(args, suite, row, seed)
            else:
                opts = suite_options(args, suite_name, suite, row, seed)
            if row['cache']:
                cache = osp.join(
                    args.work_root, suite_name,
                    f"{row.get('cache_name') or row['name']}_teacher_cache")
                opts += [
                    f'train_dataloader.dataset.cache_dir={cache}',
                    f'model.teacher_cache={cache}'
                ]
                cache_opts = [
                    o for o in opts if not o.startswith('randomness.')
                ]
                steps.append(
                    dict(
                        row=row['name'],
                        seed=seed,
                        step='cache',
                        result=osp.join(cache, 'build.json'),
                        cmd=[
                            PY, 'tools/cache_teacher_outputs.py',
                            row['train_config'], '--out', cache,
                            '--cfg-options', *cache_opts
                        ]))
            if row['train_config']:
                steps.append(
                    dict(
                        row=row['name'],
                        seed=seed,
                        step='train',
                        result=osp.join(out, 'train.json'),
                        cmd=[
                            PY, 'tools/train.py', row['train_config'],
                            '--work-dir', out, '--cfg-options', *opts,
                            *args.train_options
                        ]))
            if row['kind'] == 'prune':
                steps.append(
                    dict(
                        row=row['name'],
                        seed=seed,
                        step='export',
                        result=osp.join(out, 'export.json'),
                        cmd=[
                            PY, 'tools/pruning/export_pruned.py',
                            row['train_config'], LAST + out, '--out-dir', out,
                            '--cfg-options', *opts
                        ]))
            if row['kind'] == 'edp_kd':
                steps.append(
                    dict(
                        row=row['name'],
                        seed=seed,
                        step='convert',
                        result=osp.join(out, 'convert.json'),
                        cmd=[
                            PY, 'tools/model_converters/distill_to_student.py',
                            LAST + out,
                            osp.join(out, 'student.pth')
                        ]))
            test_opts = [
                o for o in opts
                if not o.startswith(('model.teacher', 'train_dataloader',
                                     'randomness'))
            ]
            if row['train_config'] and row['train_config'] != row[
                    'test_config']:
                test_opts = [
                    o for o in test_opts if not o.startswith('model.')
                ]
            if suite_name in DUBAI_SUITES:
                test_opts = dubai_test_options(args, suite_name, suite, row)
            if suite.get('scene'):
                test_opts = scene_options(args, suite, row, seed, test=True)
            data = osp.abspath(osp.join(args.data_root, suite['data']))
            if suite_name == 'eurosat' and row['train_config']:
                test_opts += [f'train_dataloader.dataset.data_root={data}']
            ckpt = []
            if row['checkpoint'] == LAST:
                ckpt = [LAST + out]
            elif row['checkpoint']:
                ckpt = [osp.join(out, row['checkpoint'])]
            steps.append(
                dict(
                    row=row['name'],
                    seed=seed,
                    step='test',
                    result=osp.join(out, 'test.json'),
                    test_config=row['test_config'],
                    extra_metrics=suite.get('extra_metrics', []),
                    cmd=[
                        PY, 'tools/test.py',
                        osp.join(out, 'test_config.py'), *ckpt, '--work-dir',
                        osp.join(out, 'test'), '--metrics-out',
                        osp.join(out, 'test_metrics.json'), '--cfg-options',
                        *test_opts
                    ]))
    # a cache shared by every seed is built once
    seen, unique = set(), []
    for s in steps:
        if s['result'] not in seen:
            seen.add(s['result'])
            unique.append(s)
    return unique


def write_test_config(step):
    """The row's test config plus the suite's extra metrics (e.g. a
    confusion matrix), as a config that inherits it."""
    path = step['cmd'][2]
    os.makedirs(osp.dirname(path), exist_ok=True)
    lines = [f"_base_ = [{osp.join(ROOT, step['test_config'])!r}]"]
    if step['extra_metrics']:
        lines.append('test_evaluator = [_base_.test_evaluator] + '
                     f"{step['extra_metrics']!r}")
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def resolve_last(arg):
    """`...@last:DIR` -> `...` + the checkpoint DIR/last_checkpoint names
    (mmengine writes it when a run saves), so the chain follows whatever
    schedule the configs (or --train-options) give."""
    if LAST not in arg:
        return arg
    head, work_dir = arg.split(LAST, 1)
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'{marker} not found: the run in {work_dir} '
                                'has not saved a checkpoint')
    with open(marker) as f:
        return head + f.read().strip()


def run_step(step, log_path):
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    step = dict(step, cmd=[resolve_last(c) for c in step['cmd']])
    if step['step'] == 'test':
        write_test_config(step)
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.run(
            step['cmd'], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    wall = time.time() - start
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.readlines()[-25:]
        raise RuntimeError(
            f"{step['row']} seed {step['seed']} {step['step']} failed "
            f"(exit {proc.returncode}); log: {log_path}\n" + ''.join(tail))
    result = dict(
        wall_s=wall,
        cmd=shlex.join(
            [osp.relpath(c, ROOT) if c == PY else c for c in step['cmd']]))
    result['cmd'] = result['cmd'].replace(PY, 'python', 1)
    if step['step'] == 'test':
        metrics_file = step['cmd'][step['cmd'].index('--metrics-out') + 1]
        result['metrics'] = load(metrics_file)
    dump_atomic(result, step['result'])
    return wall


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------
def complexity(config, input_shape, cache):
    """Parameters and FLOPs of a config's model (cached on disk)."""
    if config in cache:
        return cache[config]
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import rskd_mm  # noqa: F401
    from rskd_mm.utils import count_flops, strip_teacher_checkpoints
    cfg = Config.fromfile(osp.join(ROOT, config))
    model_cfg = strip_teacher_checkpoints(cfg.model)
    if model_cfg.get('type') == 'RSKDEnsembleTeacher':
        for m in model_cfg['members']:
            m['checkpoint'] = None
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmengine.registry import MODELS
    model = MODELS.build(model_cfg).eval()
    with torch.no_grad():
        # mmengine's FlopAnalyzer, the attention's matrix products included
        flops = count_flops(model, torch.rand(1, *input_shape))
    cache[config] = dict(
        params=sum(p.numel() for p in model.parameters()), flops=flops)
    return cache[config]


def train_timing(work_dir, epochs):
    """Median seconds per iteration and iterations per epoch, from the
    training log (:func:`rskd_mm.utils.paired_stats.median_step_time`)."""
    timing = median_step_time(work_dir)
    if timing is None:
        return None
    median, _, last_step = timing
    return median, -(-last_step // epochs)


def fmt_mean(values, digits=2):
    if not values:
        return 'not run'
    if len(values) == 1:
        return f'{values[0]:.{digits}f} (1 seed)'
    return (f'{statistics.mean(values):.{digits}f} +/- '
            f'{statistics.stdev(values):.{digits}f}')


def collect(args, suite_name, suite):
    rows = []
    for row in suite['rows']:
        seeds = seeds_of(row, args.seeds)
        tests, trains = [], []
        for seed in seeds:
            d = row_dir(args, suite_name, row['name'], seed)
            if osp.isfile(osp.join(d, 'test.json')):
                tests.append((seed, load(osp.join(d, 'test.json'))))
            if osp.isfile(osp.join(d, 'train.json')):
                trains.append(load(osp.join(d, 'train.json')))
        rows.append(dict(row=row, tests=tests, trains=trains))
    return rows


def eurosat_table(args, suite, rows, cx_cache):
    metric = suite['metric']
    lines = [
        '| Model / method | Role | Test top-1 (%) | Seeds | '
        'Train time / epoch (s, fastest seed) | Train time total (s, fastest '
        'seed) | Params (M) | FLOPs (M) |', '|---|---|---|---|---|---|---|---|'
    ]
    base = None
    for r in rows:
        accs = [t['metrics'][metric] for _, t in r['tests']]
        if r['row']['name'] == 'student' and accs:
            base = statistics.mean(accs)
    for r in rows:
        row = r['row']
        accs = [t['metrics'][metric] for _, t in r['tests']]
        walls = []
        for seed, _ in r['tests']:
            timing = train_timing(
                row_dir(args, 'eurosat', row['name'], seed), suite['epochs'])
            if timing:
                walls.append(timing[0] * timing[1] * suite['epochs'])
        acc = fmt_mean(accs)
        if row['role'] == 'student' and row['name'] != 'student' and accs \
                and base is not None:
            delta = statistics.mean(accs) - base
            acc += (f' ({delta:+.2f} vs student alone'
                    f"{'; does not beat it' if delta <= 0 else ''})")
        # the fastest seed: the run least slowed by other jobs on the machine
        total = f'{min(walls):.0f}' if walls else '-'
        per_epoch = f"{min(walls) / suite['epochs']:.0f}" if walls else '-'
        try:
            cx = complexity(row['model'], suite['input_shape'], cx_cache)
            params = f"{cx['params'] / 1e6:.2f}"
            flops = f"{cx['flops'] / 1e6:.1f}"
        except Exception as e:  # noqa: BLE001 - reported in the table
            params = flops = f'n/a ({type(e).__name__})'
        seeds = ','.join(str(s) for s, _ in r['tests']) or '-'
        lines.append(f"| {row['label']} | {row['role']} | {acc} | {seeds} | "
                     f'{per_epoch} | {total} | {params} | {flops} |')
    return '\n'.join(lines)


def fmt_diff(d):
    if d is None:
        return '-'
    mean, half, n = d
    if half is None:
        return f'{mean:+.2f} (1 seed)'
    sig = ' *' if abs(mean) > half else ''
    return f'{mean:+.2f} [{mean - half:+.2f}, {mean + half:+.2f}]{sig}'


def scene_table(args, suite_name, suite, rows):
    """Mean +/- std of test (and last-epoch val) top-1 per row, each KD
    row's paired difference to the student alone and to plain KD with a
    95% confidence interval over the seeds, the training time per row (the
    median training step from the run's log times its iterations: start-up,
    validation and pauses of a busy machine are not in it; the whole-run
    wall time only where a run has no log), and each cached row's paired
    difference to the same loss online."""
    metric = suite['metric']
    acc, val = {}, {}
    for r in rows:
        name = r['row']['name']
        acc[name] = {s: t['metrics'][metric] for s, t in r['tests']}
        val[name] = {}
        for s, _ in r['tests']:
            d = row_dir(args, suite_name, name, s)
            curve = _val_curve(d) if osp.isdir(d) else []
            if curve:
                val[name][s] = curve[-1]
    lines = [
        '| Row | Test top-1 (%) | Val top-1 (%) | Seeds | Test: vs student '
        'alone [95% CI] | Test: vs plain KD [95% CI] | Val: vs plain KD '
        '[95% CI] | Train (s/seed, median step x iters) | Teacher cache (s, '
        'once) | '
        'Test: cached vs online [95% CI] |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    # --vs ROW ...: the paired differences to more rows, test and val
    others = [o for o in (getattr(args, 'vs', None) or []) if o in acc]
    for other in others:
        label = next(r['row']['label'] for r in rows
                     if r['row']['name'] == other)
        lines[0] += (f' Test: vs {label} [95% CI] | Val: vs {label} '
                     '[95% CI] |')
        lines[1] += '---|---|'
    for r in rows:
        row = r['row']
        name = row['name']
        tests = acc[name]
        walls = []
        for seed in seeds_of(row, args.seeds):
            d = row_dir(args, suite_name, name, seed)
            timing = median_step_time(d)
            if timing:
                walls.append(timing[0] * timing[2])
            elif osp.isfile(osp.join(d, 'train.json')):
                walls.append(load(osp.join(d, 'train.json'))['wall_s'])
        cache_s = '-'
        if row['cache']:
            build = osp.join(args.work_root, suite_name,
                             f"{row.get('cache_name') or name}_teacher_cache",
                             'build.json')
            if osp.isfile(build):
                cache_s = f"{load(build)['wall_s']:.0f}"
        kd_row = row['role'] == 'student' and name != 'student'
        vs_student = fmt_diff(paired_diff(tests, acc.get('student', {}))) \
            if kd_row else '-'
        vs_kd = fmt_diff(paired_diff(tests, acc.get('kd', {}))) \
            if kd_row and name != 'kd' else '-'
        val_vs_kd = fmt_diff(paired_diff(val[name], val.get('kd', {}))) \
            if kd_row and name != 'kd' else '-'
        # cached minus the same loss online, paired over seeds
        vs_online = fmt_diff(paired_diff(tests, acc.get(row['online'], {}))) \
            if row.get('online') else '-'
        seeds = ','.join(str(s) for s in sorted(tests)) or '-'
        mean_wall = statistics.mean(walls) if walls else None
        wall = '-' if mean_wall is None else (
            f'{mean_wall:.0f}' if mean_wall >= 10 else f'{mean_wall:.2f}')
        lines.append(
            f"| {row['label']} | {fmt_mean(list(tests.values()))} | "
            f'{fmt_mean(list(val[name].values()))} | {seeds} | {vs_student}'
            f' | {vs_kd} | {val_vs_kd} | {wall} | {cache_s} | {vs_online} |')
        for other in others:
            pair = kd_row and name not in (other, 'student')
            lines[-1] += ' ' + ' | '.join(
                fmt_diff(paired_diff(a[name], a[other])) if pair else '-'
                for a in (acc, val)) + ' |'
    return '\n'.join(lines)


def convergence_table(args, suite_name, rows, last=5):
    """Mean validation top-1 over each row's seeds at each of its last
    epochs: flat when the schedule has converged."""
    lines = []
    for r in rows:
        name = r['row']['name']
        curves = [
            _val_curve(d) for d in (row_dir(args, suite_name, name, s)
                                    for s, _ in r['tests']) if osp.isdir(d)
        ]
        curves = [c for c in curves if len(c) >= last]
        if not curves:
            continue
        n = min(len(c) for c in curves)
        means = [
            statistics.mean(c[i] for c in curves) for i in range(n - last, n)
        ]
        lines.append(f"| {r['row']['label']} | {len(curves)} | " +
                     ' | '.join(f'{m:.2f}' for m in means) + ' |')
    if not lines:
        return ''
    head = ' | '.join(f'epoch -{i}' if i else 'last epoch'
                      for i in range(last - 1, -1, -1))
    return '\n'.join(
        [f'| Row | Seeds | {head} |', '|---|---|' + '---|' * last] + lines)


def write_scene_results(args, suite_name, suite):
    """Print the scene table and write it (with the protocol) to
    ``--results`` (default: WORK_ROOT/scene/results.md), atomically."""
    rows = collect(args, suite_name, suite)
    table = scene_table(args, suite_name, suite, rows)
    curves = convergence_table(args, suite_name, rows)
    if curves:
        table += ('\n\nConvergence: validation top-1 (%) at the last epochs, '
                  'mean over seeds\n\n' + curves)
    seeds = ', '.join(str(s) for s in args.seeds)
    text = (f"# {suite['title']}\n\n"
            f"{len(suite['classes'])} classes, {suite['img_size']} px, "
            f"{suite['epochs']} epochs, student seeds {seeds} (teacher "
            'members: seed 0). Top-1 of the last epoch; differences are '
            'paired over seeds, 95% confidence interval by the paired t; '
            '`*`: the interval excludes 0.\n\n' + table + '\n')
    print(table)
    path = args.results or osp.join(args.work_root, suite_name, 'results.md')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    write_text_atomic(path, text)
    print(f'table written to {path}')


def dubai_akd_tables(suite, rows):
    """The design table (each candidate on the design tile, paired with no
    KD over the design seeds) and
    the reported table (mean +/- std over paired seeds, each KD row's
    paired difference to no KD with a 95% confidence interval)."""
    classes = suite['classes']
    miou = {
        r['row']['name']: {s: t['metrics']['mIoU']
                           for s, t in r['tests']}
        for r in rows
    }

    def per_class(r):
        return ' | '.join(
            fmt_plain([
                t['metrics'].get(f'IoU.{c}', float('nan'))
                for _, t in r['tests']
            ]) for c in classes)

    design = [
        '| Candidate (fine-tuned on the training tiles but tile 7) | '
        'mIoU on tile 7 (%, mean) | Seeds | vs no KD [95% CI] | ' +
        ' | '.join(classes) + ' |', '|---' * (len(classes) + 4) + '|'
    ]
    report = [
        '| Row | mIoU (%) | Seeds | vs no KD [95% CI] | ' +
        ' | '.join(classes) + ' | aAcc (%) |',
        '|---' * (len(classes) + 5) + '|'
    ]
    for r in rows:
        row = r['row']
        name = row['name']
        values = list(miou[name].values())
        if row['split'] == 'design':
            delta = '-' if name == 'd_edp' else fmt_diff(
                paired_diff(miou[name], miou.get('d_edp', {})))
            mark = ' (chosen)' if name == f'd_akd_{DUBAI_AKD_CHOICE}' else ''
            seeds = ','.join(str(s) for s in sorted(miou[name])) or '-'
            design.append(f"| {row['label']}{mark} | {fmt_plain(values)} | "
                          f'{seeds} | {delta} | {per_class(r)} |')
            continue
        vs = fmt_diff(paired_diff(miou[name], miou.get('edp', {}))) \
            if row['kind'] == 'edp_kd' else '-'
        seeds = ','.join(str(s) for s in sorted(miou[name])) or '-'
        aacc = fmt_plain([t['metrics']['aAcc'] for _, t in r['tests']])
        report.append(f"| {row['label']} | {fmt_mean(values)} | {seeds} | "
                      f'{vs} | {per_class(r)} | {aacc} |')
    return '\n'.join(design), '\n'.join(report)


def fmt_plain(values):
    """Mean of ``values`` to 2 digits ('-' when empty)."""
    return f'{statistics.mean(values):.2f}' if values else '-'


def write_dubai_akd_results(args, suite_name, suite):
    """Print the two tables of the AKD ablation and write them (with the
    protocol) to ``--results`` (default WORK_ROOT/dubai_akd/results.md)."""
    rows = collect(args, suite_name, suite)
    design, report = dubai_akd_tables(suite, rows)
    text = (f"# {suite['title']}\n\n"
            f'Design: each AKD candidate fine-tunes the pruned teacher on '
            f'the training tiles but {DUBAI_DESIGN_TILE} (seeds '
            f"{', '.join(map(str, DUBAI_DESIGN_SEEDS))}) and is "
            f'tested on {DUBAI_DESIGN_TILE}; chosen: '
            f'{DUBAI_AKD_CHOICE}.\n\n{design}\n\nReported tiles '
            '(meta/val.txt), seeds paired; `*`: the interval excludes '
            f'0; per-class IoU and aAcc are means over seeds.\n\n{report}\n')
    print(design + '\n\n' + report)
    path = args.results or osp.join(args.work_root, suite_name, 'results.md')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    write_text_atomic(path, text)
    print(f'tables written to {path}')


def build_seg_model(args, suite, row):
    """The row's test model (a plain DP-CTNet, or the EDP-CTNet
    `sub_model` with the exported structure), on the CPU, in eval mode."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    # through rskd_mm: its compatibility layer must precede mmrazor
    from rskd_mm.registry import RAZOR_MODELS as MODELS
    cfg = Config.fromfile(osp.join(ROOT, row['test_config']))
    init_default_scope('mmseg')
    model_cfg = dict(cfg.model)
    if model_cfg.get('type') == 'sub_model':
        model_cfg['fix_subnet'] = osp.join(
            row_dir(args, 'dubai', 'pruned', 0), 'fix_subnet.json')
    else:
        model_cfg['_scope_'] = 'mmseg'
    return cfg, MODELS.build(model_cfg).eval()


def seg_complexity(args, suite, row, cache):
    """Parameters, FLOPs and CPU latency of a Dubai row's test model at the
    suite's input size (batch 1, median of 10 forward passes), cached on
    disk per architecture."""
    key = f"{row['test_config']}:{row['name'] == 'teacher'}"
    if key in cache:
        return cache[key]
    import torch

    from rskd_mm.utils import count_flops
    _, model = build_seg_model(args, suite, row)
    x = torch.rand(1, *suite['input_shape'])
    with torch.no_grad():
        # mmengine's FlopAnalyzer, the attention's matrix products included
        flops = count_flops(model, x)
        for _ in range(2):
            model(x)
        times = []
        for _ in range(10):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    cache[key] = dict(
        params=sum(p.numel() for p in model.parameters()),
        flops=flops,
        latency_s=statistics.median(times),
        threads=torch.get_num_threads(),
        load_1min=os.getloadavg()[0])
    return cache[key]


def dubai_table(args, suite, rows, cx_cache):
    classes = suite['classes']
    h, w = suite['input_shape'][1:]
    lines = [
        '| Model / method | mIoU (%) | ' + ' | '.join(classes) +
        ' | aAcc (%) | Params (M) | GFLOPs | CPU latency (ms) | '
        'Train time (s) |', '|---' * (len(classes) + 7) + '|'
    ]
    base = None
    for r in rows:
        if r['row']['name'] == 'edp' and r['tests']:
            base = r['tests'][0][1]['metrics']['mIoU']
    for r in rows:
        row = r['row']
        if not r['tests']:
            lines.append(f"| {row['label']} | not run |" + ' |' *
                         (len(classes) + 5))
            continue
        m = r['tests'][0][1]['metrics']
        miou = f"{m['mIoU']:.2f}"
        if row['kind'] == 'edp_kd' and base is not None:
            delta = m['mIoU'] - base
            miou += (f' ({delta:+.2f} vs no KD'
                     f"{'; does not beat it' if delta <= 0 else ''})")
        per_class = ' | '.join(f"{m.get(f'IoU.{c}', float('nan')):.2f}"
                               for c in classes)
        try:
            cx = seg_complexity(args, suite, row, cx_cache)
            cost = (f"{cx['params'] / 1e6:.3f} | {cx['flops'] / 1e9:.2f} | "
                    f"{cx['latency_s'] * 1e3:.0f}")
        except Exception as e:  # noqa: BLE001 - reported in the table
            cost = f'n/a ({type(e).__name__}) | | '
        timing = train_timing(row_dir(args, 'dubai', row['name'], 0), 1)
        train = f'{timing[0] * timing[1]:.0f}' if timing else '-'
        lines.append(f"| {row['label']} | {miou} | {per_class} | "
                     f"{m['aAcc']:.2f} | {cost} | {train} |")
    lines.append('')
    loads = sorted({
        f"{v['load_1min']:.1f}"
        for k, v in cx_cache.items() if 'load_1min' in v
    })
    lines.append(f'One seed (0) per row. FLOPs and latency: one {w}x{h} '
                 'image, `mmengine.analysis` FLOPs (attention included), '
                 'median of 10 forward '
                 'passes on the CPU (2 threads; 1-minute load average '
                 f"{', '.join(loads) or '-'} when measured). Train time: "
                 'median logged iteration time x iterations.')
    return '\n'.join(lines)


def plot_dubai(args, suite, rows, num_tiles=3):
    """Predictions beside image and ground truth for a few validation
    tiles (evenly spaced in the val list): teacher, EDP-CTNet without KD and
    the best distilled EDP-CTNet."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import mmcv
    import numpy as np
    import torch
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import DATASETS

    from rskd_mm.models.utils import load_checkpoint_strict
    by_name = {r['row']['name']: r for r in rows}
    shown = [n for n in ('teacher', 'edp') if by_name.get(n, {}).get('tests')]
    kd = [r for r in rows if r['row']['kind'] == 'edp_kd' and r['tests']]
    if kd:
        best = max(kd, key=lambda r: r['tests'][0][1]['metrics']['mIoU'])
        shown.append(best['row']['name'])
    if not shown:
        return
    data = osp.abspath(osp.join(args.data_root, suite['data']))
    preds, tiles = {}, None
    for name in shown:
        row = by_name[name]['row']
        cfg, model = build_seg_model(args, suite, row)
        work_dir = row_dir(args, 'dubai', name, 0)
        ckpt = (
            resolve_last(LAST + work_dir) if row['checkpoint'] == LAST else
            osp.join(work_dir, row['checkpoint']))
        load_checkpoint_strict(model, ckpt, what=f'{name} (prediction plot)')
        ds_cfg = dict(cfg.test_dataloader.dataset, data_root=data)
        dataset = DATASETS.build(ds_cfg)
        if tiles is None:
            tiles = sorted({
                int(round(x))
                for x in np.linspace(0,
                                     len(dataset) - 1, num_tiles)
            })
        preds[name] = []
        for i in tiles:
            with torch.no_grad():
                out = model.test_step(pseudo_collate([dataset[i]]))[0]
            preds[name].append(out)
    palette = np.array(suite['palette'], dtype=np.uint8)

    def colour(mask):
        rgb = np.zeros((*mask.shape, 3), np.uint8)
        valid = mask < len(palette)
        rgb[valid] = palette[mask[valid]]
        return rgb  # 255 (not annotated) stays black

    cols = ['image', 'ground truth'
            ] + [by_name[n]['row']['label'] for n in shown]
    fig, axes = plt.subplots(
        len(tiles), len(cols), figsize=(2.6 * len(cols), 2.3 * len(tiles)))
    for r, i in enumerate(tiles):
        first = preds[shown[0]][r]
        img = mmcv.imread(first.img_path, channel_order='rgb')
        gt = first.gt_sem_seg.data[0].numpy().astype(np.int64)
        panels = [img, colour(gt)] + [
            colour(preds[n][r].pred_sem_seg.data[0].numpy()) for n in shown
        ]
        for c, panel in enumerate(panels):
            ax = axes[r, c]
            ax.imshow(panel)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(cols[c], fontsize=7)
        axes[r, 0].set_ylabel(osp.basename(first.img_path), fontsize=6)
    handles = [
        matplotlib.patches.Patch(color=palette[k] / 255, label=c)
        for k, c in enumerate(suite['classes'])
    ]
    handles.append(
        matplotlib.patches.Patch(color='black', label='not annotated (255)'))
    fig.legend(
        handles=handles, loc='lower center', ncol=len(handles), fontsize=7)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    os.makedirs(args.figures, exist_ok=True)
    savefig_atomic(
        fig, osp.join(args.figures, 'dubai_predictions.png'), dpi=110)
    plt.close(fig)


def commands_listing(args, suite_name, suite):
    out = []
    for row in suite['rows']:
        for step in ('cache', 'train', 'export', 'convert', 'test'):
            seed = seeds_of(row, args.seeds)[0]
            if step == 'cache':
                path = osp.join(args.work_root, suite_name,
                                f"{row['name']}_teacher_cache", 'build.json')
            else:
                path = osp.join(
                    row_dir(args, suite_name, row['name'], seed),
                    f'{step}.json')
            if osp.isfile(path):
                cmd = load(path)['cmd'].replace(ROOT + '/', '')
                # data named relative to the project, never by this
                # machine's absolute path
                data = osp.abspath(args.data_root)
                cmd = cmd.replace(data, osp.relpath(data, ROOT))
                cmd = cmd.replace('.venv/bin/python', 'python')
                if step == 'test':
                    cmd += f"  # test_config.py = {row['test_config']}"
                    if suite.get('extra_metrics'):
                        cmd += ' + a ConfusionMatrix metric'
                out.append(f"# {row['name']} {step} (seed {seed})\n{cmd}")
    return '```bash\n' + '\n'.join(out) + '\n```' if out else '(none run)'


def replace_block(text, name, body):
    start, end = f'<!-- results:{name} -->', f'<!-- /results:{name} -->'
    if start not in text or end not in text:
        return text + f'\n{start}\n{body}\n{end}\n'
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f'{head}{start}\n{body}\n{end}{tail}'


def read_block(text, name):
    """The body between a block's markers ('' when there is none)."""
    start, end = f'<!-- results:{name} -->', f'<!-- /results:{name} -->'
    if start not in text or end not in text:
        return ''
    return text.split(start, 1)[1].split(end, 1)[0].strip('\n')


def merge_table(old_body, new_body, keep_labels):
    """``new_body`` with the line of every row in ``keep_labels`` (rows with
    no result in this work root) taken from ``old_body`` where it has one:
    a row that was not run keeps its published value."""
    old_rows = {
        line.split('|')[1].strip(): line
        for line in old_body.splitlines()
        if line.startswith('|') and line.count('|') > 2
    }
    out = []
    for line in new_body.splitlines():
        label = line.split('|')[1].strip() if line.startswith('|') else None
        if label in keep_labels and label in old_rows:
            line = old_rows[label]
        out.append(line)
    return '\n'.join(out)


def merge_commands(old_body, new_body, keep_rows, order):
    """The command listing with the entries of ``keep_rows`` (rows with no
    result in this work root) taken from the published listing, in the
    suite's row ``order``."""

    def entries(body):
        body = body.strip()
        if not body.startswith('```'):
            return []
        lines = body.split('\n')[1:-1]
        out = []
        for line in lines:
            if line.startswith('# '):
                out.append([line])
            elif out:
                out[-1].append(line)
        return out

    kept = [e for e in entries(old_body) if e[0].split()[1] in keep_rows]
    fresh = [e for e in entries(new_body) if e[0].split()[1] not in keep_rows]
    rank = {name: i for i, name in enumerate(order)}
    merged = sorted(
        fresh + kept, key=lambda e: rank.get(e[0].split()[1], len(rank)))
    if not merged:
        return '(none run)'
    return '```bash\n' + '\n'.join('\n'.join(e) for e in merged) + \
        '\n```'


def write_text_atomic(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def published_rows_lost(text, suite_name, rows):
    """Labels of rows with a measured line in the published block of
    ``suite_name`` but no result in this work root: what a regenerate would
    turn into "not run"."""
    published = {
        line.split('|')[1].strip()
        for line in read_block(text, suite_name).splitlines()
        if line.startswith('|') and line.count('|') > 2
        and 'not run' not in line and not set(line) <= set('|-: ')
    }
    return [
        r['row']['label'] for r in rows
        if not r['tests'] and r['row']['label'] in published
    ]


def write_tables(args):
    """Rewrite the results document from the result files of this work
    root. A row with no result here keeps its published line and commands
    (unless ``--regenerate``); the plots are redrawn only when every row
    has its result here (or with ``--regenerate``), so a new or partial work
    root never erases what it cannot reproduce."""
    cx_path = osp.join(args.work_root, 'complexity.json')
    cx_cache = load(cx_path) if osp.isfile(cx_path) else {}
    text = open(args.results).read() if osp.isfile(
        args.results) else ('# Results\n')
    if args.regenerate and not args.discard_published:
        lost = {
            name: published_rows_lost(text, name,
                                      collect(args, name, SUITES[name]))
            for name in args.suite
        }
        lost = {k: v for k, v in lost.items() if v}
        if lost:
            listing = '; '.join(f"{k}: {', '.join(v)}"
                                for k, v in lost.items())
            raise SystemExit(
                f'run_benchmarks.py: error: --regenerate would turn '
                f'published rows of {args.results} into "not run" (no '
                f'result in {args.work_root}): {listing}. Nothing was '
                'written. Point --work-root at the runs behind them, leave '
                'out --regenerate (rows without results keep their '
                'published lines), or add --discard-published to erase '
                'them on purpose.')
    for suite_name in args.suite:
        suite = SUITES[suite_name]
        rows = collect(args, suite_name, suite)
        if not args.regenerate and not any(r['tests'] for r in rows):
            print(f'{suite_name}: no results in {args.work_root}; its '
                  'tables and plots are left as they are')
            continue
        not_run = [] if args.regenerate else [
            r['row'] for r in rows if not r['tests']
        ]
        table_fn = eurosat_table if suite_name == 'eurosat' else dubai_table
        table = merge_table(
            read_block(text, suite_name), table_fn(args, suite, rows,
                                                   cx_cache),
            {row['label']
             for row in not_run})
        text = replace_block(text, suite_name, table)
        text = replace_block(
            text, f'{suite_name}-commands',
            merge_commands(
                read_block(text, f'{suite_name}-commands'),
                commands_listing(args, suite_name,
                                 suite), [row['name'] for row in not_run],
                [row['name'] for row in suite['rows']]))
        if not_run:
            print(f'{suite_name}: rows without results in {args.work_root} '
                  f"keep their published lines: "
                  f"{', '.join(row['name'] for row in not_run)}; plots not "
                  'redrawn (--regenerate redraws them from this work root '
                  'alone)')
        elif suite_name == 'eurosat':
            plot_eurosat(args, suite, rows)
        else:
            plot_dubai(args, suite, rows)
    dump_atomic(cx_cache, cx_path)
    write_text_atomic(args.results, text)
    print(f'tables written to {args.results}')
    if osp.abspath(args.results) == osp.join(ROOT, 'docs', 'results.md'):
        # the metafiles carry the same results (tests/test_metafiles.py)
        subprocess.run(
            [PY, osp.join(ROOT, 'tools', 'misc', 'gen_metafiles.py')],
            check=True)


def savefig_atomic(fig, path, **kwargs):
    """``fig.savefig`` to a temporary file, then an atomic rename."""
    root, ext = osp.splitext(path)
    tmp = f'{root}.tmp{ext}'
    fig.savefig(tmp, **kwargs)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------
def _val_curve(work_dir):
    """Validation top-1 per epoch from the last run's scalars.json."""
    runs = sorted(
        d for d in os.listdir(work_dir)
        if osp.isfile(osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    curve = {}
    for d in runs:  # a resumed run continues the curve
        with open(osp.join(work_dir, d, 'vis_data', 'scalars.json')) as f:
            for line in f:
                rec = json.loads(line)
                if 'accuracy/top1' in rec:
                    curve[rec['step']] = rec['accuracy/top1']
    return [curve[k] for k in sorted(curve)]


def plot_eurosat(args, suite, rows):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    os.makedirs(args.figures, exist_ok=True)
    metric = suite['metric']

    # accuracy vs training time
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for r in rows:
        accs = [t['metrics'][metric] for _, t in r['tests']]
        walls = [
            t[0] * t[1] * suite['epochs'] for t in (train_timing(
                row_dir(args, 'eurosat', r['row']['name'], seed),
                suite['epochs']) for seed, _ in r['tests']) if t
        ]
        if not accs or not walls:
            continue
        ax.errorbar(
            min(walls),
            statistics.mean(accs),
            yerr=statistics.stdev(accs) if len(accs) > 1 else 0,
            fmt='o',
            capsize=3,
            label=r['row']['label'])
    ax.set_xlabel('training time, total (s, 2 CPU cores, fastest seed)')
    ax.set_ylabel('EuroSAT test top-1 (%)')
    ax.set_title('Accuracy vs training time (mean +/- std over seeds)')
    ax.legend(fontsize=7)
    fig.tight_layout()
    savefig_atomic(
        fig, osp.join(args.figures, 'eurosat_acc_vs_time.png'), dpi=120)
    plt.close(fig)

    # learning curves: student alone vs KD methods (seed 0)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for r in rows:
        if r['row']['role'] != 'student':
            continue
        d = row_dir(args, 'eurosat', r['row']['name'], 0)
        if osp.isdir(d):
            curve = _val_curve(d)
            if curve:
                ax.plot(
                    range(1,
                          len(curve) + 1),
                    curve,
                    marker='o',
                    label=r['row']['label'])
    ax.set_xlabel('epoch')
    ax.set_ylabel('validation top-1 (%)')
    ax.set_title('Learning curves, seed 0')
    ax.legend(fontsize=7)
    fig.tight_layout()
    savefig_atomic(
        fig, osp.join(args.figures, 'eurosat_learning_curves.png'), dpi=120)
    plt.close(fig)

    # confusion matrix of the best student (by mean test accuracy)
    best, best_acc = None, -1
    for r in rows:
        accs = [t['metrics'][metric] for _, t in r['tests']]
        if r['row']['role'] == 'student' and accs and statistics.mean(
                accs) > best_acc:
            best, best_acc = r, statistics.mean(accs)
    if best is None:
        return
    seed, test = best['tests'][0]
    cm = test['metrics'].get('confusion_matrix/result')
    if cm is None:
        return
    from rskd_mm.datasets.rs_scene import EUROSAT_CLASSES
    cm = np.asarray(cm, dtype=float)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.8))
    im = ax.imshow(norm, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(
        range(len(EUROSAT_CLASSES)),
        EUROSAT_CLASSES,
        rotation=60,
        ha='right',
        fontsize=7)
    ax.set_yticks(range(len(EUROSAT_CLASSES)), EUROSAT_CLASSES, fontsize=7)
    for i in range(len(cm)):
        for j in range(len(cm)):
            ax.text(
                j,
                i,
                int(cm[i, j]),
                ha='center',
                va='center',
                fontsize=6,
                color='white' if norm[i, j] > 0.5 else 'black')
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(f"{best['row']['label']}, seed {seed}", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    savefig_atomic(
        fig,
        osp.join(args.figures, 'eurosat_confusion_best_student.png'),
        dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument(
        '--suite',
        nargs='+',
        default=list(SUITES),
        choices=list(SUITES) + ['scene'],
        help='eurosat and dubai: the published suites of '
        'docs/results.md (--data-root holds their data folders); '
        'scene: the scene-classification comparison on any data '
        'set folder given as --data-root (images/<Class>/<file> '
        '+ meta/{classes,train,val,test}.txt)')
    p.add_argument(
        '--rows', nargs='+', help='only these rows (and what '
        'they need)')
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument(
        '--data-root', default=osp.join(ROOT, '..', 'shared', 'data'))
    p.add_argument(
        '--work-root',
        '--work-dir',
        dest='work_root',
        default=osp.join(ROOT, 'work_dirs', 'benchmarks'))
    p.add_argument(
        '--epochs',
        type=int,
        default=30,
        help='scene suite: training epochs of every model')
    p.add_argument(
        '--img-size',
        type=int,
        default=64,
        help='scene suite: input size (images are resized)')
    p.add_argument(
        '--results',
        default=None,
        help='the results file (default: docs/results.md for '
        'eurosat/dubai, WORK_ROOT/scene/results.md for scene)')
    p.add_argument('--figures', default=osp.join(ROOT, 'docs', 'figures'))
    p.add_argument(
        '--train-options',
        nargs='+',
        default=[],
        help='extra --cfg-options of every training step (e.g. '
        'a short schedule for a smoke run: train_cfg.max_iters=4)')
    p.add_argument('--tables-only', action='store_true')
    p.add_argument(
        '--vs',
        nargs='+',
        default=[],
        metavar='ROW',
        help='scene suite: also pair every KD row with these rows (a '
        'test and a val column each), e.g. --vs lukd kldist_online')
    p.add_argument(
        '--regenerate',
        action='store_true',
        help='rewrite the tables and plots from this work root '
        'alone (rows without results become "not run"); '
        'without it, rows with no result here keep their '
        'published lines and the plots are redrawn only when '
        'every row has its result here')
    p.add_argument(
        '--discard-published',
        action='store_true',
        help='with --regenerate: allow published rows without a result in '
        'this work root to become "not run" (refused otherwise)')
    p.add_argument(
        '--dry-run',
        action='store_true',
        help='print the steps that would run')
    return p.parse_args(argv)


def get_suite(args, suite_name):
    if suite_name == 'scene':
        return scene_suite(args)
    return SUITES[suite_name]


def main(argv=None):
    args = parse_args(argv)
    args.work_root = osp.abspath(args.work_root)
    if 'scene' in args.suite and len(args.suite) > 1:
        sys.exit('run_benchmarks.py: --suite scene reads its data set from '
                 '--data-root and cannot be combined with other suites')
    if 'dubai_akd' in args.suite and len(args.suite) > 1:
        sys.exit('run_benchmarks.py: --suite dubai_akd writes its own '
                 'results file and cannot be combined with other suites')
    if not {'scene', 'dubai_akd'} & set(args.suite) and args.results is None:
        args.results = osp.join(ROOT, 'docs', 'results.md')
    if not args.tables_only:
        todo = []
        known = [
            r['name'] for n in args.suite for r in get_suite(args, n)['rows']
        ]
        unknown = set(args.rows or ()) - set(known)
        if unknown:
            sys.exit(f"run_benchmarks.py: no row {', '.join(sorted(unknown))}"
                     f" in suite(s) {', '.join(args.suite)}; rows: "
                     f"{', '.join(known)}")
        for suite_name in args.suite:
            suite = get_suite(args, suite_name)
            check = osp.join(args.data_root, suite['data'], suite['check'])
            if not osp.isfile(check):
                sys.exit(f'run_benchmarks.py: suite {suite_name!r} needs '
                         f'{check}, which does not exist (--data-root '
                         f'{args.data_root}); nothing was run or written')
            rows = [
                r for r in suite['rows']
                if args.rows is None or r['name'] in args.rows
            ]
            todo += plan(args, suite_name, suite, rows)
        total = len(todo)
        for i, step in enumerate(todo, 1):
            tag = f"[{i}/{total}] {step['row']} seed {step['seed']} " \
                  f"{step['step']}"
            if osp.isfile(step['result']):
                print(f'{tag}: done, skipped', flush=True)
                continue
            if args.dry_run:
                print(f"{tag}: {shlex.join(step['cmd'])}")
                continue
            print(f'{tag}: running ...', flush=True)
            log = step['result'][:-len('.json')] + '.log'
            wall = run_step(step, log)
            print(f'{tag}: finished in {wall:.0f} s', flush=True)
    if args.dry_run:
        return
    if 'scene' in args.suite:
        write_scene_results(args, 'scene', get_suite(args, 'scene'))
    elif 'dubai_akd' in args.suite:
        write_dubai_akd_results(args, 'dubai_akd', SUITES['dubai_akd'])
    else:
        write_tables(args)


if __name__ == '__main__':
    main()
