# Copyright (c) rskd_mm contributors. All rights reserved.
"""End-to-end runs of the OpenMMLab tools on the embedded data sets.

Each test runs the real command-line tools in a subprocess, as a user would,
on tiny generated data, and checks what they wrote.
"""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

from rskd_mm.compat.checkpoint import load_file
from .conftest import REPO_ROOT, subprocess_env

DEMO = osp.join(REPO_ROOT, 'configs', 'demo')
TEACHER = osp.join(DEMO, 'resnet18-w32_1xb32-30e_demo-scene-64px.py')
STUDENT = osp.join(DEMO, 'mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
KD = osp.join(DEMO,
              'kd_resnet18-w32_mobilenetv2-w025_1xb32-30e_demo-scene-64px.py')
SEG = osp.join(DEMO, 'fcn-r18-w16_1xb4-2k_demo-seg-128px.py')


def scene_options(root, epochs=1):
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.batch_size=16',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    return opts + [
        f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1',
        'default_hooks.logger.interval=1'
    ]


def run_tool(args, **env):
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=REPO_ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, (
        f'{" ".join(args)} failed:\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-5000:]}')
    return proc.stdout + proc.stderr


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test_train_then_test(trained_teacher, tiny_scene_root, tmp_path):
    assert osp.basename(trained_teacher) == 'epoch_1.pth'
    metrics_file = str(tmp_path / 'metrics.json')
    out = run_tool([
        'tools/test.py', TEACHER, trained_teacher, '--work-dir',
        str(tmp_path), '--metrics-out', metrics_file, '--cfg-options',
        *scene_options(tiny_scene_root)
    ])
    with open(metrics_file) as f:
        metrics = json.load(f)
    assert 0.0 <= metrics['accuracy/top1'] <= 100.0
    assert 'accuracy/top1' in out


def test_distillation_with_mmrazor(trained_teacher, tiny_scene_root, tmp_path):
    work_dir = str(tmp_path / 'kd')
    out = run_tool([
        'tools/train.py', KD, '--work-dir', work_dir, '--cfg-options',
        *scene_options(tiny_scene_root),
        f'model.teacher_ckpt={trained_teacher}'
    ])
    assert 'distill.loss_kl' in out
    ckpt = last_checkpoint(work_dir)
    state = load_file(ckpt, map_location='cpu')
    teacher_state = load_file(trained_teacher, map_location='cpu')
    # the teacher inside the distillation checkpoint is the trained teacher,
    # untouched by init_weights() and by training
    w = 'backbone.conv1.weight'
    torch.testing.assert_close(state['state_dict'][f'teacher.{w}'],
                               teacher_state['state_dict'][w])
    metrics_file = str(tmp_path / 'metrics.json')
    run_tool([
        'tools/test.py', KD, ckpt, '--work-dir', work_dir, '--metrics-out',
        metrics_file, '--cfg-options', *scene_options(tiny_scene_root)
    ])
    with open(metrics_file) as f:
        kd_top1 = json.load(f)['accuracy/top1']
    assert 0.0 <= kd_top1 <= 100.0

    # export the student: tools/test.py with the student's own config gives
    # the same metric, and mmpretrain's inference API loads it
    student_ckpt = str(tmp_path / 'student.pth')
    run_tool(
        ['tools/model_converters/distill_to_student.py', ckpt, student_ckpt])
    plain = load_file(student_ckpt, map_location='cpu')
    assert not any(
        k.startswith(('teacher.', 'architecture.'))
        for k in plain['state_dict'])
    metrics_file = str(tmp_path / 'student_metrics.json')
    run_tool([
        'tools/test.py', STUDENT, student_ckpt, '--work-dir', work_dir,
        '--metrics-out', metrics_file, '--cfg-options',
        *scene_options(tiny_scene_root)
    ])
    with open(metrics_file) as f:
        assert json.load(f)['accuracy/top1'] == pytest.approx(kd_top1)
    from mmengine.config import Config
    from mmpretrain.apis import ImageClassificationInferencer
    cfg = Config.fromfile(STUDENT)
    inferencer = ImageClassificationInferencer(
        model=cfg, pretrained=student_ckpt, device='cpu')
    img = sorted(
        glob.glob(osp.join(tiny_scene_root, '**', '*.png'), recursive=True))[0]
    assert 0 <= inferencer(img)[0]['pred_label'] < 8

    # and back: a distillation starts from the plain student with load_from
    out = run_tool([
        'tools/train.py', KD, '--work-dir',
        str(tmp_path / 'kd2'), '--cfg-options',
        *scene_options(tiny_scene_root),
        f'model.teacher_ckpt={trained_teacher}', f'load_from={student_ckpt}'
    ])
    assert 'loading it into `architecture`' in out


def test_resume_continues_from_the_checkpoint(tiny_scene_root, tmp_path):
    work_dir = str(tmp_path / 'student')
    run_tool([
        'tools/train.py', STUDENT, '--work-dir', work_dir, '--cfg-options',
        *scene_options(tiny_scene_root, epochs=1)
    ])
    assert osp.basename(last_checkpoint(work_dir)) == 'epoch_1.pth'
    out = run_tool([
        'tools/train.py', STUDENT, '--work-dir', work_dir, '--resume',
        '--cfg-options', *scene_options(tiny_scene_root, epochs=2)
    ])
    assert 'resumed epoch: 1' in out
    assert 'Epoch(train) [1]' not in out  # epoch 1 was not trained again
    assert 'Epoch(train) [2]' in out
    assert osp.basename(last_checkpoint(work_dir)) == 'epoch_2.pth'


def test_segmentation_train_then_test(tiny_seg_root, tmp_path):
    opts = [
        f'train_dataloader.dataset.data_root={tiny_seg_root}',
        f'val_dataloader.dataset.data_root={tiny_seg_root}',
        f'test_dataloader.dataset.data_root={tiny_seg_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'model.data_preprocessor.size=[64,64]', 'train_cfg.max_iters=4',
        'train_cfg.val_interval=4', 'default_hooks.checkpoint.interval=4',
        'default_hooks.logger.interval=1',
        'default_hooks.visualization.draw=False'
    ]
    work_dir = str(tmp_path)
    run_tool([
        'tools/train.py', SEG, '--work-dir', work_dir, '--cfg-options', *opts
    ])
    ckpt = last_checkpoint(work_dir)
    assert osp.basename(ckpt) == 'iter_4.pth'
    metrics_file = str(tmp_path / 'metrics.json')
    run_tool([
        'tools/test.py', SEG, ckpt, '--work-dir', work_dir, '--metrics-out',
        metrics_file, '--cfg-options', *opts
    ])
    with open(metrics_file) as f:
        assert 0.0 <= json.load(f)['mIoU'] <= 100.0


def test_dist_train_two_processes_on_cpu(trained_teacher, tiny_scene_root,
                                         tmp_path, free_port):
    """dist_train.sh -> torchrun -> --launcher pytorch, gloo on the CPU."""
    work_dir = str(tmp_path)
    proc = subprocess.run([
        'bash', 'tools/dist_train.sh', KD, '2', '--work-dir', work_dir,
        '--cfg-options', *scene_options(tiny_scene_root),
        f'model.teacher_ckpt={trained_teacher}'
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(
                              PORT=str(free_port),
                              PYTHON=sys.executable,
                              OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert logs
    with open(logs[0]) as f:
        log = f.read()
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert 'using the gloo backend instead of nccl' in proc.stdout + \
        proc.stderr
    # 48 images, 16 per process and step: 2 steps per epoch (3 with one)
    assert 'Epoch(train) [1][2/2]' in log
    assert osp.basename(last_checkpoint(work_dir)) == 'epoch_1.pth'


def test_collect_env():
    out = run_tool(['tools/misc/collect_env.py'])
    for name in ('mmengine', 'mmcv', 'mmpretrain', 'mmsegmentation', 'mmrazor',
                 'timm', 'PyTorch'):
        assert name in out
    assert 'mmcv ops: compiled' in out


def test_generator_cli(tmp_path):
    out = run_tool([
        'tools/dataset_converters/generate_synthetic_rs.py', 'scene',
        str(tmp_path / 's'), '--num-per-class', '1', '1', '1', '--size', '16',
        '--classes', 'water', 'forest'
    ])
    assert 'train: 2, val: 2, test: 2' in out
    with open(tmp_path / 's' / 'meta' / 'train.txt') as f:
        assert f.read().split() == [
            'water/water_train_0000.png', '0', 'forest/forest_train_0000.png',
            '1'
        ]


HMKD = osp.join(REPO_ROOT, 'configs', 'hmkd',
                'hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py')
ENSEMBLE = osp.join(REPO_ROOT, 'configs', 'hmkd',
                    'ensemble-r18w32-vit-t8_demo-scene-64px.py')
VIT = osp.join(REPO_ROOT, 'configs', 'baselines',
               'vit-t-p8_1xb32-30e_demo-scene-64px.py')
LUKD = osp.join(REPO_ROOT, 'configs', 'lukd',
                'lukd_r18w32_mnv2w025_1xb32-30e_demo-scene-64px.py')


def test_hmkd_end_to_end(trained_teacher, trained_vit, tiny_scene_root,
                         tmp_path):
    """Ensemble test, HMKD distillation, student-only checkpoint reuse."""
    members = [
        f'model.teacher.members.0.checkpoint={trained_teacher}',
        f'model.teacher.members.1.checkpoint={trained_vit}'
    ]
    # 1. the ensemble teacher on its own, no CHECKPOINT argument
    ens_metrics = str(tmp_path / 'ensemble.json')
    run_tool([
        'tools/test.py', ENSEMBLE, '--work-dir',
        str(tmp_path / 'ens'), '--metrics-out', ens_metrics, '--cfg-options',
        f'test_dataloader.dataset.data_root={tiny_scene_root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        *[m.replace('model.teacher.', 'model.') for m in members]
    ])
    with open(ens_metrics) as f:
        assert 0.0 <= json.load(f)['accuracy/top1'] <= 100.0

    # 2. distil
    work_dir = str(tmp_path / 'hmkd')
    out = run_tool([
        'tools/train.py', HMKD, '--work-dir', work_dir, '--cfg-options',
        *scene_options(tiny_scene_root), *members
    ])
    assert 'distill.loss_kl' in out  # the default HMKD loss
    student_ckpt = osp.join(work_dir, 'student_epoch_1.pth')
    assert osp.isfile(student_ckpt)
    with open(osp.join(work_dir, 'student_last_checkpoint')) as f:
        assert f.read().strip() == student_ckpt
    student_state = load_file(student_ckpt, map_location='cpu')
    full_state = load_file(last_checkpoint(work_dir), map_location='cpu')
    assert student_state['meta']['dataset_meta']['classes'][0] == 'water'
    for k, v in student_state['state_dict'].items():
        torch.testing.assert_close(
            v, full_state['state_dict']['architecture.' + k])

    # 3. plain mmpretrain tools and APIs load the student checkpoint with the
    #    student's own config
    metrics_file = str(tmp_path / 'student.json')
    run_tool([
        'tools/test.py', STUDENT, student_ckpt, '--work-dir',
        str(tmp_path / 'st'), '--metrics-out', metrics_file, '--cfg-options',
        *scene_options(tiny_scene_root)
    ])
    with open(metrics_file) as f:
        assert 0.0 <= json.load(f)['accuracy/top1'] <= 100.0

    from mmpretrain.apis import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(
        STUDENT, pretrained=student_ckpt, device='cpu')
    image = osp.join(tiny_scene_root, 'images', 'forest',
                     'forest_test_0000.png')
    result = inferencer(image)[0]
    assert result['pred_class'] in inferencer.classes
    assert abs(sum(result['pred_scores']) - 1.0) < 1e-4


def test_land_use_kd_end_to_end(trained_teacher, tiny_scene_root, tmp_path):
    work_dir = str(tmp_path)
    out = run_tool([
        'tools/train.py', LUKD, '--work-dir', work_dir, '--cfg-options',
        *scene_options(tiny_scene_root),
        f'model.teacher_ckpt={trained_teacher}'
    ])
    assert 'distill.loss_soft' in out
    metrics_file = str(tmp_path / 'metrics.json')
    run_tool([
        'tools/test.py', STUDENT,
        osp.join(work_dir, 'student_epoch_1.pth'), '--work-dir', work_dir,
        '--metrics-out', metrics_file, '--cfg-options',
        *scene_options(tiny_scene_root)
    ])
    with open(metrics_file) as f:
        assert 0.0 <= json.load(f)['accuracy/top1'] <= 100.0


def test_split_tool(tiny_scene_root, tmp_path):
    out = run_tool([
        'tools/dataset_converters/rs_split.py',
        osp.join(tiny_scene_root, 'images'),
        str(tmp_path), '--train-ratio', '0.5', '--val-ratio', '0.2', '--seed',
        '3'
    ])
    assert 'train: ' in out and 'test: ' in out
    with open(tmp_path / 'train.txt') as f:
        first = f.read()
    run_tool([
        'tools/dataset_converters/rs_split.py',
        osp.join(tiny_scene_root, 'images'),
        str(tmp_path / 'again'), '--train-ratio', '0.5', '--val-ratio', '0.2',
        '--seed', '3'
    ])
    with open(tmp_path / 'again' / 'train.txt') as f:
        assert f.read() == first


FASTKD = osp.join(
    REPO_ROOT, 'configs', 'fastkd',
    'fastkd-hmkd_r18w32-vit-t8_mnv2w025_1xb32-30e_'
    'demo-scene-64px.py')


def fastkd_options(root, cache_dir, members):
    opts = [
        o.replace('train_dataloader.dataset.',
                  'train_dataloader.dataset.dataset.')
        for o in scene_options(root)
    ]
    return opts + [
        f'train_dataloader.dataset.cache_dir={cache_dir}',
        f'model.teacher_cache={cache_dir}',
        f'model.teacher.members.0.checkpoint={members[0]}',
        f'model.teacher.members.1.checkpoint={members[1]}'
    ]


def test_cached_kd_end_to_end(trained_teacher, trained_vit, tiny_scene_root,
                              tmp_path):
    """Build the cache, check replay is exact, train from it, refuse stale."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmrazor.registry import MODELS

    from rskd_mm.datasets import (RSKDTeacherOutputDataset, TeacherCache,
                                  TeacherCacheError)

    cache_dir = str(tmp_path / 'cache')
    members = (trained_teacher, trained_vit)
    opts = fastkd_options(tiny_scene_root, cache_dir, members)
    out = run_tool([
        'tools/cache_teacher_outputs.py', FASTKD, '--batch-size', '20',
        '--cfg-options', *opts
    ])
    assert 'teacher cache complete' in out
    cache = TeacherCache(cache_dir)
    assert cache.meta['num_samples'] == 48 and cache.meta['num_draws'] == 4

    # replay is exact: the cached output of a draw is the online teacher's
    # output on the replayed view, through the same preprocessing
    cfg = Config.fromfile(FASTKD)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in opts))
    init_default_scope('mmpretrain')
    online = dict(cfg.model, type='RSKDSingleTeacherDistill')
    online.pop('teacher_cache')
    algo = MODELS.build(online).eval()
    dataset = RSKDTeacherOutputDataset(
        cfg.train_dataloader.dataset.dataset, num_draws=4, seed=0)
    from mmengine.dataset import pseudo_collate
    for index, draw in ((0, 0), (7, 3), (47, 1)):
        batch = algo.data_preprocessor(
            pseudo_collate([dataset.get_view(index, draw)]), False)
        with torch.no_grad():
            expected = algo.teacher(
                algo.teacher_inputs(batch['inputs']), mode='tensor')[0]
        torch.testing.assert_close(
            cache.read(index, draw), expected, atol=1e-2, rtol=1e-2)

    # train from the cache: no teacher is built or run
    work_dir = str(tmp_path / 'train')
    out = run_tool([
        'tools/train.py', FASTKD, '--work-dir', work_dir, '--cfg-options',
        *opts
    ])
    assert 'distill.loss_kl' in out  # the default HMKD loss
    assert osp.isfile(osp.join(work_dir, 'student_epoch_1.pth'))

    # resumable generation: forget 3 images, rerun, only they are computed
    cache = TeacherCache(cache_dir, mode='w')
    cache.done[:3] = 0
    cache.flush()
    with pytest.raises(TeacherCacheError, match='incomplete'):
        TeacherCache(cache_dir)
    out = run_tool(
        ['tools/cache_teacher_outputs.py', FASTKD, '--cfg-options', *opts])
    assert '12 to compute' in out
    TeacherCache(cache_dir)

    # a stale cache is refused: another teacher (member weights swapped)
    proc = subprocess.run([
        sys.executable, 'tools/train.py', FASTKD, '--work-dir', work_dir,
        '--cfg-options', *opts,
        f'model.teacher.members.1.checkpoint={trained_teacher}'
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert 'teacher fingerprint differs' in proc.stderr
    # ... or another pipeline
    proc = subprocess.run([
        sys.executable, 'tools/train.py', FASTKD, '--work-dir', work_dir,
        '--cfg-options', *opts,
        'train_dataloader.dataset.dataset.pipeline.1.prob=[0.5,0.5]'
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert 'pipeline fingerprint differs' in proc.stderr


def test_benchmark_kd_script_runs(tmp_path):
    """The benchmark prints its table (a functional check, no timing)."""
    out = run_tool([
        'tools/analysis_tools/benchmark_kd.py', '--img-size', '32',
        '--batch-size', '2', '--iters', '1', '--warmup', '0', '--teacher',
        'resnet18', '--student', 'resnet18', '--dataset-size', '10', '--json',
        str(tmp_path / 'r.json'), '--plot',
        str(tmp_path / 'r.png')
    ])
    for label in ('student alone', 'online KD', 'cached KD',
                  'teacher forward only', 'one-off cache build'):
        assert label in out
    assert osp.getsize(tmp_path / 'r.png') > 0
    with open(tmp_path / 'r.json') as f:
        assert set(json.load(f)['results']) == {
            'student', 'online', 'cached', 'teacher'
        }


def test_demo_runs_every_row(tmp_path):
    """`make demo`'s job end to end at 1 epoch on a tiny synthetic set: both
    teacher members and their ensemble, the student alone, plain KD and
    HMKD online and cached, each tested, in the printed table and summary."""
    work_dir, data_root = tmp_path / 'demo', tmp_path / 'data'
    out = run_tool([
        'tools/run_demo.py', '--epochs', '1', '--num-per-class', '3', '2', '2',
        '--work-dir',
        str(work_dir), '--data-root',
        str(data_root)
    ])
    for label in ('teacher member: ResNet-18-w32', 'ViT-tiny/8',
                  'their ensemble', 'no KD', 'plain KD', 'HMKD online',
                  'HMKD cached', 'KD cost', 'vs student alone'):
        assert label in out, label
    # one line per step, and progress lines while training
    assert '[1/8] teacher member: ResNet-18-w32 (CNN): train and test' in out
    assert '[8/8] student, HMKD cached (fast KD): train and test' in out
    assert 'epoch 1/1, val top-1' in out
    assert 'paired bootstrap over 16 test images' in out
    with open(work_dir / 'summary.json') as f:
        rows = {r['name']: r for r in json.load(f)['rows']}
    assert set(rows) == {
        'teacher_cnn', 'teacher_vit', 'teacher_ensemble', 'student',
        'student_kd', 'student_hmkd_online', 'student_hmkd_cached'
    }
    # the students are MobileNetV2-w0.25, tested as plain checkpoints
    assert rows['student_hmkd_cached']['params'] == rows['student']['params']
    assert rows['student_hmkd_cached']['cache_time'] > 0
    assert osp.isfile(work_dir / 'teacher_cache' / 'meta.json')
    # the differences agree with the per-image answers of the test runs
    for name in ('student_kd', 'student_hmkd_online', 'student_hmkd_cached'):
        diff = rows[name]['diff']
        assert diff['low'] <= diff['points'] <= diff['high']
        assert abs(diff['points'] -
                   (rows[name]['acc'] - rows['student']['acc'])) < 1e-6
        # the step cost is a ratio of step times: positive; the cached row
        # carries the cache's build time spread over its iterations
        assert rows[name]['cost'] > 0
    assert rows['student']['cost'] == 1.0
    assert rows['student_hmkd_cached']['cache_per_step_s'] > 0
    assert 'vs student alone' in (work_dir / 'demo_table.md').read_text()
    assert (work_dir / 'demo.png').read_bytes()[:4] == b'\x89PNG'
    assert f"plot: {work_dir / 'demo.png'}" in out


def test_test_compile_switch(trained_teacher, tiny_scene_root, tmp_path):
    """`test_compile` makes tools/test.py run the sub-networks through
    torch.compile (the eager backend here: dynamo's tracing, no C++ build)
    and gives the same metrics as the eager run."""
    metrics = {}
    for name, extra in (('eager', []), ('compiled',
                                        ['test_compile.backend=eager'])):
        out_file = tmp_path / f'{name}.json'
        out = run_tool([
            'tools/test.py', TEACHER, trained_teacher, '--work-dir',
            str(tmp_path / name), '--metrics-out',
            str(out_file), '--cfg-options', *scene_options(tiny_scene_root),
            *extra
        ])
        with open(out_file) as f:
            metrics[name] = json.load(f)['accuracy/top1']
        assert ('test_compile: torch.compile' in out) == (name == 'compiled')
    assert metrics['compiled'] == metrics['eager']
    assert 'on backbone, head;' in out  # the pooling neck has no weights


def test_cached_kd_with_mixup(trained_teacher, trained_vit, tiny_scene_root,
                              tmp_path):
    """Mixup from the cache: with RSKDClsDataPreprocessor the tool caches
    and training runs (the cached targets are mixed like the images); with
    mmpretrain's plain preprocessor the tool refuses, naming the fix."""
    cache_dir = str(tmp_path / 'cache')
    opts = fastkd_options(tiny_scene_root, cache_dir,
                          (trained_teacher, trained_vit))
    configs = {}
    for name in ('ClsDataPreprocessor', 'RSKDClsDataPreprocessor'):
        configs[name] = str(tmp_path / f'{name}.py')
        with open(configs[name], 'w') as f:
            f.write(f"""_base_ = [{FASTKD!r}]
model = dict(
    architecture=dict(
        data_preprocessor=dict(
            type={name!r},
            batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)])),
        head=dict(loss=dict(type='CrossEntropyLoss', use_soft=True))))
""")
    proc = subprocess.run([
        sys.executable, 'tools/cache_teacher_outputs.py',
        configs['ClsDataPreprocessor'], '--cfg-options', *opts
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert "type='RSKDClsDataPreprocessor'" in proc.stderr
    mixing = configs['RSKDClsDataPreprocessor']
    out = run_tool(
        ['tools/cache_teacher_outputs.py', mixing, '--cfg-options', *opts])
    assert 'teacher cache complete' in out
    work_dir = str(tmp_path / 'train')
    run_tool([
        'tools/train.py', mixing, '--work-dir', work_dir, '--cfg-options',
        *opts
    ])
    assert osp.isfile(osp.join(work_dir, 'student_epoch_1.pth'))


def test_demo_rewrites_a_data_set_of_other_split_sizes(tmp_path):
    """The demo's data step: a set written with other split sizes (e.g. by
    an older demo with a smaller test split) is completed to the sizes
    asked, keeping its existing (identical) images; a set of the right
    sizes is left as it is."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'run_demo', osp.join(REPO_ROOT, 'tools', 'run_demo.py'))
    run_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_demo)
    from rskd_mm.datasets import SCENE_CLASSES, generate_scene_dataset

    root = tmp_path / 'scene'
    assert run_demo.split_sizes(str(root)) is None
    generate_scene_dataset(str(root), num_per_class=(2, 1, 1), size=64)
    first = (root / 'images' / 'water' / 'water_test_0000.png').read_bytes()
    n = len(SCENE_CLASSES)
    assert run_demo.split_sizes(str(root)) == [2 * n, n, n]

    assert run_demo.prepare_data(str(root), (2, 1, 3)) == str(root)
    assert run_demo.split_sizes(str(root)) == [2 * n, n, 3 * n]
    assert (root / 'images' / 'water' /
            'water_test_0000.png').read_bytes() == first
    meta = (root / 'meta' / 'test.txt').stat().st_mtime_ns
    run_demo.prepare_data(str(root), (2, 1, 3))  # right sizes: untouched
    assert (root / 'meta' / 'test.txt').stat().st_mtime_ns == meta
