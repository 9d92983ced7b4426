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
        for img in sorted(glob.glob(osp.join(tiny_seg_root, 'img_dir', split,
                                             '*.png'))):
            stem = f'{split}_' + osp.splitext(osp.basename(img))[0]
            mmcv.imwrite(mmcv.imread(img), str(root / 'img_dir' /
                                               f'{stem}.jpg'))
            ann = osp.join(tiny_seg_root, 'ann_dir', split,
                           osp.basename(img))
            mmcv.imwrite(mmcv.imread(ann, flag='unchanged'),
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
        fake_dubai, '--work-root', str(tmp_path / 'work'), '--results',
        str(results), '--figures', str(tmp_path / 'figures'),
        '--train-options', 'train_cfg.max_iters=2',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=1'
    ]
    out = run_tool(cmd)
    # the row and what it needs (teacher, pruning + export), in order
    steps = [line.split(': ')[0] for line in out.splitlines()
             if line.startswith('[') and line.endswith('running ...')]
    assert steps == [
        '[1/8] teacher seed 0 train', '[2/8] teacher seed 0 test',
        '[3/8] pruned seed 0 train', '[4/8] pruned seed 0 export',
        '[5/8] pruned seed 0 test', '[6/8] edp_akd_cwd seed 0 train',
        '[7/8] edp_akd_cwd seed 0 convert', '[8/8] edp_akd_cwd seed 0 test'
    ]
    work = tmp_path / 'work' / 'dubai'
    test = json.loads((work / 'edp_akd_cwd' / 'seed0' / 'test.json')
                      .read_text())
    assert 0.0 <= test['metrics']['mIoU'] <= 100.0
    assert 'IoU.building' in test['metrics']  # RSKDIoUMetric's per class
    # the student was tested as a plain EDP-CTNet checkpoint
    assert test['cmd'].split()[3].endswith('student.pth')
    table = results.read_text()
    assert '| EDP-CTNet + AKD + CWD | ' in table
    assert '| EDP-CTNet, fine-tuned without KD | not run |' in table
    assert 'python tools/pruning/export_pruned.py' in table
    assert osp.isfile(tmp_path / 'figures' / 'dubai_predictions.png')

    # rerun: every step is found done and skipped
    again = run_tool(cmd)
    assert 'running' not in again
    assert again.count('done, skipped') == 8
