# Copyright (c) rskd_mm contributors. All rights reserved.
"""Multi-process distillation through tools/dist_train.sh and
tools/dist_test.sh (torchrun, --launcher pytorch, gloo on the CPU), compared
with a single process that sees the same global batches.

Tolerance. With the same global batch (2 processes x 8 = 1 x 16), DDP's
averaged gradient equals the single process's mean gradient up to the order
of float additions (the logged gradient norms agree to 4-5 digits). Over 6
SGD steps at lr 0.05 with gradient norms near 25 that noise grows to at most
4e-4 in a weight (measured); the test allows 2e-3 per weight, and the
validation accuracy may differ by one image. That holds only if nothing in
the student depends on how the batch is split: BatchNorm normalises with
per-process batch statistics (8 vs 16 images), so these tests give the
student GroupNorm (one group). With BN the runs differ as much as two runs
with different batch sizes do; configs can use `sync_bn='torch'` on GPUs.
The teacher (frozen, eval mode) is the same in both and gets no gradient.
"""
import glob
import json
import os.path as osp
import re
import subprocess
import sys

import torch

from rskd_mm.compat.checkpoint import load_file
from .conftest import REPO_ROOT, subprocess_env
from .test_tools import (FASTKD, KD, fastkd_options, last_checkpoint, run_tool,
                         scene_options)

WEIGHT_ATOL = 2e-3

GN_STUDENT = (
    "model = dict(architecture=dict(backbone=dict(\n"
    "    norm_cfg=dict(type='GN', num_groups=1, requires_grad=True))))\n")

# The KD loss of the comparison: per sample, so that 2 processes x 8 images
# average to 1 x 16. The default HMKD loss adds DIST, whose intra-class term
# correlates each class over the batch: under DDP it is computed over each
# process's batch, by design not the same number as over the whole batch.
GN_STUDENT_KL_ONLY = (
    "model = dict(architecture=dict(backbone=dict(\n"
    "    norm_cfg=dict(type='GN', num_groups=1, requires_grad=True))),\n"
    "    distiller=dict(\n"
    "    distill_losses=dict(_delete_=True, loss_kl=dict(\n"
    "        type='KLDivergence', tau=4.0, loss_weight=1.0)),\n"
    "    loss_forward_mappings=dict(_delete_=True, loss_kl=dict(\n"
    "        preds_S=dict(from_student=True, recorder='logits'),\n"
    "        preds_T=dict(from_student=False, recorder='logits')))))\n")


def kd_config(tmp_path, base, drop_flip=True, per_sample_loss=False):
    """`base` with a GroupNorm student, and (online KD) without the random
    flip, whose draws come from each process's own random state."""
    path = tmp_path / f'gn_{osp.basename(base)}'
    text = f'_base_ = [{base!r}]\n' + (
        GN_STUDENT_KL_ONLY if per_sample_loss else GN_STUDENT)
    if drop_flip:
        text += ("train_dataloader = dict(dataset=dict(pipeline=[\n"
                 "    dict(type='LoadImageFromFile'), "
                 "dict(type='PackInputs')]))\n")
    path.write_text(text)
    return str(path)


def batch(opts, per_process):
    opts = [o for o in opts if not o.startswith('train_dataloader.batch')]
    return opts + [
        f'train_dataloader.batch_size={per_process}', 'train_cfg.max_epochs=2',
        'train_dataloader.sampler.seed=0'
    ]


def dist(script, args, port):
    proc = subprocess.run(['bash', f'tools/{script}', *args],
                          cwd=REPO_ROOT,
                          env=subprocess_env(
                              PORT=str(port),
                              PYTHON=sys.executable,
                              OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, failure_report(out)
    return out


def failure_report(out, context=20):
    """The lines of a failed multi-process run that say why it failed:
    each traceback or C++ abort message with the lines after it, then the
    tail (torchrun's summary). The processes' output is interleaved, so the
    tail alone usually shows only the other rank's hook table."""
    lines = out.splitlines()
    marks = re.compile(r'Traceback|terminate called|what\(\)|Error|'
                       r'Exception|Signal \d+|Aborted|core dumped')
    keep = set()
    for i, line in enumerate(lines):
        if marks.search(line):
            keep.update(range(max(0, i - 2), min(len(lines), i + context)))
    keep.update(range(max(0, len(lines) - 30), len(lines)))
    return '\n'.join(lines[i] for i in sorted(keep))[-20000:]


def val_top1(work_dir):
    """The last validation top-1 that the run logged."""
    top1 = None
    for f in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        with open(f) as fh:
            for line in fh:
                rec = json.loads(line)
                if 'accuracy/top1' in rec:
                    top1 = rec['accuracy/top1']
    assert top1 is not None, f'no validation metric logged in {work_dir}'
    return top1


def state(ckpt):
    return load_file(ckpt, map_location='cpu')['state_dict']


def compare_one_vs_two_processes(cfg, opts, tmp_path, port, num_val=16):
    one = str(tmp_path / 'one')
    run_tool([
        'tools/train.py', cfg, '--work-dir', one, '--cfg-options',
        *batch(opts, 16)
    ])
    two = str(tmp_path / 'two')
    out = dist('dist_train.sh',
               [cfg, '2', '--work-dir', two, '--cfg-options', *batch(opts, 8)],
               port)
    assert 'using the gloo backend instead of nccl' in out
    log = open(glob.glob(osp.join(two, '*', '*.log'))[0]).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    # 48 images, 8 per process and step: 3 steps per epoch, as with 1 x 16
    assert 'Epoch(train) [2][3/3]' in log

    a, b = state(last_checkpoint(one)), state(last_checkpoint(two))
    assert last_checkpoint(two).endswith('epoch_2.pth')
    students = [k for k in a if k.startswith('architecture.')]
    assert students
    for k in students:
        torch.testing.assert_close(b[k], a[k], atol=WEIGHT_ATOL, rtol=0, msg=k)
    assert abs(val_top1(two) - val_top1(one)) <= 100.0 / num_val + 1e-6
    return one, two


def test_online_kd_two_processes_match_one(trained_teacher, tiny_scene_root,
                                           tmp_path, free_port):
    cfg = kd_config(tmp_path, KD)
    opts = scene_options(tiny_scene_root) + [
        f'model.teacher_ckpt={trained_teacher}'
    ]
    one, two = compare_one_vs_two_processes(cfg, opts, tmp_path, free_port)
    # the teacher was not trained: its weights are the checkpoint's
    teacher = state(trained_teacher)
    got = state(last_checkpoint(two))
    for k, v in teacher.items():
        torch.testing.assert_close(got['teacher.' + k], v, atol=0, rtol=0)

    # dist_test.sh on 2 processes: the gathered metric is the single
    # process's on the same checkpoint
    metrics = {}
    for n, run in ((1, None), (2, dist)):
        f = str(tmp_path / f'test{n}.json')
        args = [
            cfg,
            last_checkpoint(two), '--work-dir',
            str(tmp_path / f'test{n}'), '--metrics-out', f, '--cfg-options',
            *opts
        ]
        if run is None:
            run_tool(['tools/test.py', *args])
        else:
            dist('dist_test.sh', [args[0], args[1], '2', *args[2:]], free_port)
        metrics[n] = json.load(open(f))['accuracy/top1']
    assert metrics[1] == metrics[2]


def test_cached_kd_two_processes_match_one(trained_teacher, trained_vit,
                                           tiny_scene_root, tmp_path,
                                           free_port):
    """Cached KD keeps its random crops and flips: the views are replayed
    from (seed, image, draw) and RSKDTeacherDrawSampler picks the draws
    from (seed, epoch, image), the same in both runs."""
    cache = str(tmp_path / 'cache')
    opts = fastkd_options(tiny_scene_root, cache,
                          (trained_teacher, trained_vit))
    # the cache itself is built on 2 processes (images sharded by rank)
    proc = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port}', 'tools/cache_teacher_outputs.py', FASTKD,
        '--launcher', 'pytorch', '--cfg-options', *opts
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(OMP_NUM_THREADS='1'),
                          capture_output=True,
                          text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, failure_report(out)
    assert 'teacher cache complete' in out
    cfg = kd_config(tmp_path, FASTKD, drop_flip=False, per_sample_loss=True)
    compare_one_vs_two_processes(cfg, opts, tmp_path, free_port)


def test_tools_destroy_their_process_group(tmp_path, capsys):
    """run_cli (the entry point of tools/train.py, test.py and
    cache_teacher_outputs.py) destroys the process group a launched tool
    initialised, on success and on a bad-input error; left to interpreter
    shutdown, gloo aborted rank 0 after a successful 2-process run (SIGABRT,
    'terminate called without an active exception', about 1 run in 5)."""
    import pytest
    import torch.distributed as dist

    from rskd_mm.utils import run_cli

    def init(name):
        dist.init_process_group(
            'gloo',
            init_method=f'file://{tmp_path / name}',
            rank=0,
            world_size=1)

    def main():
        init('ok')
        t = torch.ones(3)
        dist.all_reduce(t)
        assert t.tolist() == [1.0, 1.0, 1.0]

    run_cli(main, prog='tool')
    assert not dist.is_initialized()

    def bad_input():
        init('bad')
        raise FileNotFoundError('no file cfg.py')

    with pytest.raises(SystemExit) as exit_:
        run_cli(bad_input, prog='tool')
    assert exit_.value.code == 1
    assert 'tool: error: no file cfg.py' in capsys.readouterr().err
    assert not dist.is_initialized()

    def bug():
        init('bug')
        raise RuntimeError('a bug keeps its traceback')

    with pytest.raises(RuntimeError, match='keeps its traceback'):
        run_cli(bug, prog='tool')
    assert not dist.is_initialized()
