# Copyright (c) rskd_mm contributors. All rights reserved.
"""tools/analysis_tools/run_benchmarks.py end to end on a generated set in
the Dubai layout: the DP-CTNet -> prune -> export -> EDP-CTNet (AKD + CWD)
-> convert -> test chain with a 2-iteration schedule, the results table,
the prediction plot, and the resume (a second run skips every step)."""
import glob
import json
import os
import os.path as osp

import mmcv
import pytest

from .test_tools import run_tool

RUNNER = 'tools/analysis_tools/run_benchmarks.py'


@pytest.fixture(scope='module')
def fake_dubai(tiny_seg_root, tmp_path_factory):
    """The generated tiles as img_dir/<stem>.jpg, ann_dir/<stem>.png and
    meta/{train,val}.txt, as in ../shared/data/dubai_aerial."""
    data = tmp_path_factory.mktemp('data')
    root = data / 'dubai_aerial'
    for sub in ('img_dir', 'ann_dir', 'meta'):
        os.makedirs(root / sub)
    for split in ('train', 'val'):
        stems = []
        for img in sorted(
                glob.glob(osp.join(tiny_seg_root, 'img_dir', split, '*.png'))):
            stem = f'{split}_' + osp.splitext(osp.basename(img))[0]
            mmcv.imwrite(
                mmcv.imread(img), str(root / 'img_dir' / f'{stem}.jpg'))
            ann = osp.join(tiny_seg_root, 'ann_dir', split, osp.basename(img))
            mmcv.imwrite(
                mmcv.imread(ann, flag='unchanged'),
                str(root / 'ann_dir' / f'{stem}.png'))
            stems.append(stem)
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(stems) + '\n')
    return str(data)


def test_dubai_suite_runs_tabulates_plots_and_resumes(fake_dubai, tmp_path):
    results = tmp_path / 'results.md'
    results.write_text('# Results\n\n<!-- results:dubai -->\n'
                       '<!-- /results:dubai -->\n')
    cmd = [
        RUNNER, '--suite', 'dubai', '--rows', 'edp_akd_cwd', '--data-root',
        fake_dubai, '--work-root',
        str(tmp_path / 'work'), '--results',
        str(results), '--figures',
        str(tmp_path / 'figures'), '--train-options', 'train_cfg.max_iters=2',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=1'
    ]
    out = run_tool(cmd)
    # the row and what it needs (teacher, pruning + export), in order
    steps = [
        line.split(': ')[0] for line in out.splitlines()
        if line.startswith('[') and line.endswith('running ...')
    ]
    assert steps == [
        '[1/8] teacher seed 0 train', '[2/8] teacher seed 0 test',
        '[3/8] pruned seed 0 train', '[4/8] pruned seed 0 export',
        '[5/8] pruned seed 0 test', '[6/8] edp_akd_cwd seed 0 train',
        '[7/8] edp_akd_cwd seed 0 convert', '[8/8] edp_akd_cwd seed 0 test'
    ]
    work = tmp_path / 'work' / 'dubai'
    test = json.loads(
        (work / 'edp_akd_cwd' / 'seed0' / 'test.json').read_text())
    assert 0.0 <= test['metrics']['mIoU'] <= 100.0
    assert 'IoU.building' in test['metrics']  # RSKDIoUMetric's per class
    # the student was tested as a plain EDP-CTNet checkpoint
    assert test['cmd'].split()[3].endswith('student.pth')
    table = results.read_text()
    assert '| EDP-CTNet + AKD + CWD | ' in table
    assert '| EDP-CTNet, fine-tuned without KD | not run |' in table
    assert 'python tools/pruning/export_pruned.py' in table
    # only some rows have results here: the published plot is not redrawn
    assert 'plots not redrawn' in out
    assert not osp.exists(tmp_path / 'figures' / 'dubai_predictions.png')
    regen = run_tool(cmd + ['--tables-only', '--regenerate'])
    assert 'running' not in regen
    assert osp.isfile(tmp_path / 'figures' / 'dubai_predictions.png')

    # rerun: every step is found done and skipped
    again = run_tool(cmd)
    assert 'running' not in again
    assert again.count('done, skipped') == 8


def _snapshot(paths):
    """Bytes of every file under ``paths`` (files or folders)."""
    out = {}
    for p in paths:
        files = [p] if osp.isfile(p) else sorted(
            glob.glob(osp.join(p, '**', '*'), recursive=True))
        for f in files:
            if osp.isfile(f):
                with open(f, 'rb') as fh:
                    out[f] = fh.read()
    return out


def test_bad_data_root_is_an_error_and_erases_nothing(tmp_path, repo_root):
    """The published results and plots (the defaults of --results and
    --figures) are byte-identical after a run with a missing data root, and
    after a dry run into an empty work root."""
    import subprocess
    import sys

    from .conftest import subprocess_env
    docs = [
        osp.join(repo_root, 'docs', 'results.md'),
        osp.join(repo_root, 'docs', 'figures')
    ]
    before = _snapshot(docs)
    assert before
    proc = subprocess.run([
        sys.executable, RUNNER, '--suite', 'eurosat', '--data-root',
        str(tmp_path / 'nonexistent'), '--rows', 'kd', '--seeds', '0',
        '--work-root',
        str(tmp_path / 'other')
    ],
                          cwd=repo_root,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert str(tmp_path / 'nonexistent') in proc.stderr
    assert 'nothing was run or written' in proc.stderr
    assert _snapshot(docs) == before
    assert not osp.exists(tmp_path / 'other')

    data = tmp_path / 'data' / 'eurosat_rgb' / 'meta'
    os.makedirs(data)
    (data / 'train.txt').write_text('')
    out = run_tool([
        RUNNER, '--suite', 'eurosat', '--data-root',
        str(tmp_path / 'data'), '--rows', 'kd', '--seeds', '0', '--work-root',
        str(tmp_path / 'empty'), '--dry-run'
    ])
    assert 'kd seed 0 train' in out
    assert _snapshot(docs) == before


def test_one_row_in_a_new_work_root_changes_that_row_only(tmp_path, repo_root):
    """Tables regenerated from a work root that holds one row's result keep
    every other row's published line and commands, and leave the plots."""
    import shutil
    results = tmp_path / 'results.md'
    shutil.copy(osp.join(repo_root, 'docs', 'results.md'), results)
    figures = tmp_path / 'figures'
    shutil.copytree(osp.join(repo_root, 'docs', 'figures'), figures)
    before_figs = _snapshot([str(figures)])
    old = results.read_text().splitlines()

    work = tmp_path / 'work'
    kd = work / 'eurosat' / 'kd' / 'seed0'
    os.makedirs(kd)
    (kd / 'test.json').write_text(
        json.dumps(
            dict(
                wall_s=1.0,
                cmd='python tools/test.py KD_TEST_COMMAND',
                metrics={'accuracy/top1': 12.34})))
    out = run_tool([
        RUNNER, '--suite', 'eurosat', '--tables-only', '--work-root',
        str(work), '--results',
        str(results), '--figures',
        str(figures)
    ])
    assert 'keep their published lines' in out
    new = results.read_text().splitlines()
    changed_old = [line for line in old if line not in new]
    changed_new = [line for line in new if line not in old]
    # the KD row's table line, and its two commands (train, test) -> test
    assert [line for line in changed_new if line.startswith('|')
            ] == [next(line for line in new if line.startswith('| Plain KD'))]
    assert '12.34 (1 seed)' in changed_new[0]
    assert any(
        line.startswith('python tools/test.py KD_TEST_COMMAND')
        for line in changed_new)
    assert len(changed_new) == 2
    # gone: the KD row's published line and its published commands only
    assert changed_old and all(
        line.startswith(('| Plain KD', '# kd train')) or '/eurosat/kd/' in line
        or 'configs/hmkd/kd_' in line for line in changed_old), changed_old
    assert _snapshot([str(figures)]) == before_figs


def _runner_module():
    import importlib.util

    from .conftest import REPO_ROOT
    spec = importlib.util.spec_from_file_location('run_benchmarks',
                                                  osp.join(REPO_ROOT, RUNNER))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_paired_difference_and_its_confidence_interval():
    rb = _runner_module()
    # diffs 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.303 -> half 4.303/sqrt 3
    mean, half, n = rb.paired_diff({
        0: 11,
        1: 12,
        2: 13,
        3: 50
    }, {
        0: 10,
        1: 10,
        2: 10
    })
    assert (mean, n) == (2, 3)
    assert half == pytest.approx(4.303 / 3**0.5)
    assert rb.fmt_diff((mean, half, n)) == '+2.00 [-0.48, +4.48]'
    assert rb.fmt_diff((2.0, 0.5, 5)).endswith(' *')  # excludes 0
    assert rb.paired_diff({0: 1.0}, {1: 2.0}) is None  # no common seed


def test_scene_suite_on_any_folder(tiny_scene_root, tmp_path):
    """--suite scene on a folder of the images/<Class>/<file> + meta/ layout:
    teacher members trained once, every student row on the same seeds, the
    table with paired differences, and a second run skips everything."""
    work = tmp_path / 'work'
    cmd = [
        RUNNER, '--suite', 'scene', '--data-root', tiny_scene_root, '--rows',
        'student', 'mean_cached', '--seeds', '0', '1', '--epochs', '1',
        '--img-size', '32', '--work-dir',
        str(work), '--train-options', 'train_dataloader.batch_size=8',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers='
        'False', 'default_hooks.logger.interval=1'
    ]
    out = run_tool(cmd)
    steps = [
        line.split('] ')[1].split(':')[0] for line in out.splitlines()
        if line.startswith('[') and line.endswith('running ...')
    ]
    assert steps == [
        'cnn seed 0 train', 'cnn seed 0 test', 'vit seed 0 train',
        'vit seed 0 test', 'student seed 0 train', 'student seed 0 test',
        'student seed 1 train', 'student seed 1 test',
        'mean_cached seed 0 cache', 'mean_cached seed 0 train',
        'mean_cached seed 0 test', 'mean_cached seed 1 train',
        'mean_cached seed 1 test'
    ]
    # the class count and names came from meta/classes.txt (8 classes)
    test = json.loads(
        (work / 'scene' / 'student' / 'seed1' / 'test.json').read_text())
    assert 0.0 <= test['metrics']['accuracy/top1'] <= 100.0
    assert 'model.head.num_classes=8' in test['cmd']
    # the input size reached the pipeline and the ViT member
    train = json.loads(
        (work / 'scene' / 'vit' / 'seed0' / 'train.json').read_text())
    assert 'model.backbone.img_size=32' in train['cmd']
    table = (work / 'scene' / 'results.md').read_text()
    line = [
        ln for ln in table.splitlines() if ln.startswith('| (c) draw-averaged')
    ][0]
    cells = [c.strip() for c in line.split('|')[1:-1]]
    assert cells[3] == '0,1'  # seeds
    assert cells[4].count('[') == 1  # paired diff vs student with a CI
    assert cells[5] == '-'  # plain KD was not run: no pair
    assert float(cells[7]) > 0  # wall time per seed
    assert float(cells[8]) > 0  # the cache, built once
    assert cells[9] == '-'  # its online form (plain KD) was not run
    # an online row has no cached-vs-online pair
    student = [
        ln for ln in table.splitlines() if ln.startswith('| Student alone')
    ][0]
    assert student.split('|')[-2].strip() == '-'
    assert '| Plain KD (KL, tau 4) | not run |' in table
    again = run_tool(cmd)
    assert 'running' not in again
    assert again.count('done, skipped') == 13
    # --vs adds a test and a val column of paired differences to a row:
    # against the student alone, the same pairs as the fixed column
    run_tool(cmd + ['--tables-only', '--vs', 'student'])
    table = (work / 'scene' / 'results.md').read_text()
    assert 'Test: vs Student alone: MobileNetV2-w0.25 [95% CI] |' in table
    line = [
        ln for ln in table.splitlines() if ln.startswith('| (c) draw-averaged')
    ][0]
    cells = [c.strip() for c in line.split('|')[1:-1]]
    assert len(cells) == 12
    assert cells[10] == cells[4]
    assert cells[11].count('[') == 1  # val: paired over both seeds


def test_scene_suite_refuses_a_folder_without_classes(tmp_path, repo_root):
    import subprocess
    import sys

    from .conftest import subprocess_env
    (tmp_path / 'meta').mkdir()
    proc = subprocess.run([
        sys.executable, RUNNER, '--suite', 'scene', '--data-root',
        str(tmp_path), '--work-dir',
        str(tmp_path / 'w')
    ],
                          cwd=repo_root,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert str(tmp_path / 'meta' / 'classes.txt') in proc.stderr
    assert 'nothing was run or written' in proc.stderr
    assert not (tmp_path / 'w').exists()


def test_scene_subset_is_balanced_reproducible_and_checked(
        tiny_scene_root, tmp_path):
    cmd = ['tools/dataset_converters/scene_subset.py', tiny_scene_root]
    run_tool(cmd + [str(tmp_path / 'a'), '--per-class', '3', '1', '2'])
    run_tool(cmd + [str(tmp_path / 'b'), '--per-class', '3', '1', '2'])
    for split, n in (('train', 3), ('val', 1), ('test', 2)):
        a = (tmp_path / 'a' / 'meta' / f'{split}.txt').read_text()
        assert a == (tmp_path / 'b' / 'meta' / f'{split}.txt').read_text()
        labels = [int(line.split()[1]) for line in a.splitlines()]
        assert labels == [c for c in range(8) for _ in range(n)]
        src = (osp.join(tiny_scene_root, 'meta', f'{split}.txt'))
        assert set(a.splitlines()) <= set(open(src).read().splitlines())
    # the subset is a valid data set: its annotations pass the check
    from rskd_mm.datasets import check_scene_annotations
    check_scene_annotations(
        str(tmp_path / 'a' / 'meta' / 'train.txt'),
        str(tmp_path / 'a' / 'images'),
        num_classes=8)


def test_convergence_table_reads_the_last_epochs(tmp_path):
    """The scene results' convergence table: the mean over seeds of each
    row's validation top-1 at its last epochs, from mmengine's scalars."""
    import types
    rb = _runner_module()
    args = types.SimpleNamespace(work_root=str(tmp_path))
    for seed, offset in ((0, 0.0), (1, 2.0)):
        vis = tmp_path / 'scene' / 'kd' / f'seed{seed}' / '2026' / 'vis_data'
        vis.mkdir(parents=True)
        recs = [{
            'loss': 1.0,
            'step': 1
        }] + [{
            'accuracy/top1': 50.0 + e + offset,
            'step': e
        } for e in range(1, 8)]
        (vis / 'scalars.json').write_text('\n'.join(map(json.dumps, recs)))
    rows = [
        dict(row=dict(name='kd', label='Plain KD'), tests=[(0, {}), (1, {})]),
        dict(row=dict(name='student', label='Student'), tests=[])
    ]
    table = rb.convergence_table(args, 'scene', rows, last=3)
    lines = table.splitlines()
    assert lines[0] == '| Row | Seeds | epoch -2 | epoch -1 | last epoch |'
    # epochs 5, 6, 7 averaged over offsets 0 and 2; no line for no results
    assert lines[2:] == ['| Plain KD | 2 | 56.00 | 57.00 | 58.00 |']
    assert rb.convergence_table(args, 'scene', rows[1:]) == ''


def test_dubai_akd_suite_designs_on_a_carved_tile(tmp_path):
    """The AKD ablation: the design tile is carved out of the training
    tiles (never trained on by any row), each design candidate is tested on
    it with its own options, the reported rows are tested on meta/val.txt
    with paired seeds, and the tables pair every KD row with no KD."""
    m = _runner_module()
    data = tmp_path / 'data' / 'dubai_aerial' / 'meta'
    data.mkdir(parents=True)
    train = [f'tile{t}_image_part_00{p}' for t in (1, 7) for p in (1, 2)]
    (data / 'train.txt').write_text('\n'.join(train) + '\n')
    (data / 'val.txt').write_text('tile3_image_part_001\n')
    args = m.parse_args([
        '--suite', 'dubai_akd', '--data-root',
        str(tmp_path / 'data'), '--work-root',
        str(tmp_path / 'work')
    ])
    suite = m.SUITES['dubai_akd']
    rows = [r for r in suite['rows'] if r['name'] in ('d_akd_p8', 'edp_akd')]
    steps = m.plan(args, 'dubai_akd', suite, rows)
    train_ann, design_ann = (
        tmp_path / 'work' / 'dubai_akd' / 'splits' / f'{n}.txt'
        for n in ('train', 'design_val'))
    assert train_ann.read_text().split() == train[:2]
    assert design_ann.read_text().split() == train[2:]
    by_key = {(s['row'], s['seed'], s['step']): s['cmd'] for s in steps}
    # teacher and pruning first, once; reported rows on 3 paired seeds
    trains = [k[:2] for k in by_key if k[2] == 'train']
    assert trains == [('teacher', 0), ('pruned', 0), ('d_akd_p8', 0),
                      ('d_akd_p8', 1), ('edp_akd', 0), ('edp_akd', 1),
                      ('edp_akd', 2)]
    for key, cmd in by_key.items():
        if key[2] == 'train':
            assert f'train_dataloader.dataset.ann_file={train_ann}' in cmd
    design_train = by_key[('d_akd_p8', 0, 'train')]
    assert 'model.distiller.distill_losses.loss_akd.pool_size=(8,8)' \
        in design_train
    assert f'test_dataloader.dataset.ann_file={design_ann}' in by_key[(
        'd_akd_p8', 0, 'test')]
    for seed in (0, 1, 2):
        test = by_key[('edp_akd', seed, 'test')]
        assert 'test_dataloader.dataset.ann_file=meta/val.txt' in test
        assert not any(str(design_ann) in c for c in test)
        assert f'randomness.seed={seed}' in by_key[('edp_akd', seed, 'train')]

    # the tables from result files: paired differences over the seeds
    def result(row, seed, miou):
        d = tmp_path / 'work' / 'dubai_akd' / row / f'seed{seed}'
        d.mkdir(parents=True, exist_ok=True)
        (d / 'test.json').write_text(
            json.dumps(dict(metrics={
                'mIoU': miou,
                'aAcc': 50.0
            })))

    pairs = ((30.0, 32.0), (31.0, 34.0), (29.0, 31.0))
    for seed, (base, akd) in enumerate(pairs):
        result('edp', seed, base)
        result('edp_akd', seed, akd)
    for seed, (base, akd) in enumerate(((20.0, 21.5), (22.0, 23.5))):
        result('d_edp', seed, base)
        result(f'd_akd_{m.DUBAI_AKD_CHOICE}', seed, akd)
    design, report = m.dubai_akd_tables(suite,
                                        m.collect(args, 'dubai_akd', suite))
    assert '(chosen) | 22.50 | 0,1 | +1.50 [+1.50, +1.50] * |' in design
    # differences 2, 3, 2: mean 2.33, t(2) = 4.303, sd 0.577
    assert '| 30.00 +/- 1.00 | 0,1,2 | - |' in report
    assert '+2.33 [+0.90, +3.77] *' in report


def _flat_seg_folder(root, stems, size=96):
    """Synthetic tiles in the layout of ../shared/data/dubai_aerial: flat
    img_dir/ and ann_dir/, meta/{train,val}.txt of stems."""
    from PIL import Image

    from rskd_mm.datasets.synthetic import render_segmentation
    for d in ('img_dir', 'ann_dir', 'meta'):
        os.makedirs(osp.join(root, d), exist_ok=True)
    for split, names in stems.items():
        for i, stem in enumerate(names):
            img, mask = render_segmentation(0, split, i, size=size)
            Image.fromarray(img).save(osp.join(root, 'img_dir', stem + '.png'))
            Image.fromarray(mask).save(
                osp.join(root, 'ann_dir', stem + '.png'))
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')


SEG_TO_SCENE = 'tools/dataset_converters/seg_to_scene.py'


def test_seg_to_scene_patches_are_majority_labelled_and_split_by_image(
        tmp_path):
    """tools/dataset_converters/seg_to_scene.py: every patch is the source
    pixels of a square whose majority class (>= --min-share) is its label;
    no image gives patches to two splits; the draw is reproducible; a class
    with too few patches is named in the error."""
    import numpy as np
    from PIL import Image
    src = str(tmp_path / 'seg')
    _flat_seg_folder(
        src,
        dict(
            train=['a_0', 'a_1', 'a_2', 'a_3', 'v_0', 'v_1'],
            val=['t_0', 't_1', 't_2']))
    cmd = [
        SEG_TO_SCENE, src, '--class-names', 'land', 'water', 'road',
        'building', 'vegetation', '--keep', 'water', 'land', 'vegetation',
        '--val-prefix', 'v_', '--patch', '16', '--min-share', '0.6',
        '--img-suffix', '.png', '--per-class', '6', '2', '3'
    ]
    run_tool(cmd + [str(tmp_path / 'a')])
    run_tool(cmd + [str(tmp_path / 'b')])
    dst = tmp_path / 'a'
    assert (dst / 'meta' / 'classes.txt').read_text() == \
        'water\nland\nvegetation\n'
    value_of = {0: 1, 1: 0, 2: 4}  # scene label -> mask value
    prefix = {'train': 'a_', 'val': 'v_', 'test': 't_'}
    for split, n in (('train', 6), ('val', 2), ('test', 3)):
        text = (dst / 'meta' / f'{split}.txt').read_text()
        assert text == (tmp_path / 'b' / 'meta' / f'{split}.txt').read_text()
        lines = text.split()
        names, labels = lines[0::2], [int(v) for v in lines[1::2]]
        assert sorted(labels) == [k for k in range(3) for _ in range(n)]
        for name, label in zip(names, labels):
            cls, file = name.split('/')
            assert cls == ('water', 'land', 'vegetation')[label]
            stem, y, x = file[:-len('.png')].rsplit('_', 2)
            assert stem.startswith(prefix[split])
            y, x = int(y[1:]), int(x[1:])
            mask = np.asarray(Image.open(f'{src}/ann_dir/{stem}.png'))
            box = mask[y:y + 16, x:x + 16]
            assert (box == value_of[label]).mean() >= 0.6
            img = np.asarray(Image.open(f'{src}/img_dir/{stem}.png'))
            np.testing.assert_array_equal(
                np.asarray(Image.open(dst / 'images' / name)), img[y:y + 16,
                                                                   x:x + 16])
    from rskd_mm.datasets import check_scene_annotations
    check_scene_annotations(
        str(dst / 'meta' / 'test.txt'), str(dst / 'images'), num_classes=3)

    # roads are thin: few 16-px squares are 60% road
    import subprocess
    import sys
    proc = subprocess.run([
        sys.executable, *cmd[:9], 'water', 'road', *cmd[12:],
        str(tmp_path / 'c')
    ],
                          cwd=osp.dirname(osp.dirname(__file__)),
                          capture_output=True,
                          text=True)
    assert proc.returncode == 1
    assert "fewer than 6 patches of {'road': 3}" in proc.stderr
    assert 'train split' in proc.stderr and src in proc.stderr
    # a share at or below one half does not name one majority class
    proc = subprocess.run(
        [sys.executable, *cmd, '--min-share', '0.5',
         str(tmp_path / 'd')],
        cwd=osp.dirname(osp.dirname(__file__)),
        capture_output=True,
        text=True)
    assert proc.returncode == 2
    assert '--min-share must be in (0.5, 1], got 0.5' in proc.stderr


def test_scene_suite_on_fewer_than_five_classes(tmp_path):
    """A scene data set of 3 classes: top-5 accuracy does not exist, so the
    suite asks the evaluators for top-1 only (mmpretrain raises otherwise)
    and the table is written."""
    src = str(tmp_path / 'seg')
    _flat_seg_folder(
        src,
        dict(train=['a_0', 'a_1', 'a_2', 'v_0'], val=['t_0', 't_1', 't_2']))
    data = str(tmp_path / 'scene')
    run_tool([
        SEG_TO_SCENE, src, '--class-names', 'land', 'water', 'road',
        'building', 'vegetation', '--keep', 'water', 'land', 'vegetation',
        '--val-prefix', 'v_', '--patch', '16', '--img-suffix', '.png',
        '--per-class', '4', '1', '2', data
    ])
    work = tmp_path / 'work'
    run_tool([
        RUNNER, '--suite', 'scene', '--data-root', data, '--rows', 'student',
        '--seeds', '0', '--epochs', '1', '--img-size', '16', '--work-dir',
        str(work), '--train-options', 'train_dataloader.batch_size=4',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False'
    ])
    test = json.loads(
        (work / 'scene' / 'student' / 'seed0' / 'test.json').read_text())
    assert 'test_evaluator.topk=1' in test['cmd']
    assert 'model.head.num_classes=3' in test['cmd']
    assert 0.0 <= test['metrics']['accuracy/top1'] <= 100.0
    assert '| Student alone' in (work / 'scene' / 'results.md').read_text()
