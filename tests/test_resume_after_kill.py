# Copyright (c) rskd_mm contributors. All rights reserved.
"""A distillation killed with SIGKILL mid-epoch resumes with --resume and
ends where an uninterrupted run with the same seed ends: online KD, and
cached (fast) KD, whose cache position (which draw of which image comes
next) must survive the kill as well."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import torch

from rskd_mm.compat.checkpoint import load_file
from .conftest import REPO_ROOT, subprocess_env
from .test_tools import (FASTKD, KD, fastkd_options, last_checkpoint, run_tool,
                         scene_options)

# Tolerance: the same batches in the same order on the same machine give the
# same float operations; we allow 1e-5 absolute for reduction-order noise.
ATOL = 1e-5


def deterministic_config(tmp_path):
    """The demo KD config without random flips (the global RNG state is not
    part of a checkpoint, so augmentation draws after a resume differ)."""
    path = tmp_path / 'kd_no_flip.py'
    path.write_text(
        f"_base_ = [{KD!r}]\n"
        "train_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='LoadImageFromFile'), dict(type='PackInputs')]))\n")
    return str(path)


def with_batch_4(opts):
    """12 iterations per epoch on the 48 training images."""
    opts = [o for o in opts if not o.startswith('train_dataloader.batch')]
    return opts + ['train_dataloader.batch_size=4', 'train_cfg.max_epochs=3']


def student(ckpt):
    sd = load_file(ckpt, map_location='cpu')
    return sd, {
        k: v
        for k, v in sd['state_dict'].items() if k.startswith('architecture.')
    }


def kill_resume_and_compare(cfg, opts, tmp_path):
    ref_dir = str(tmp_path / 'uninterrupted')
    run_tool(
        ['tools/train.py', cfg, '--work-dir', ref_dir, '--cfg-options', *opts])

    work = str(tmp_path / 'killed')
    proc = subprocess.Popen([
        sys.executable, 'tools/train.py', cfg, '--work-dir', work,
        '--cfg-options', *opts
    ],
                            cwd=REPO_ROOT,
                            env=subprocess_env(),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)
    killed_at = None
    deadline = time.time() + 300
    for line in proc.stdout:
        # 12 iterations per epoch: kill in the middle of epoch 2
        if 'Epoch(train) [2][ 5/12]' in line:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = line.strip()
            break
        assert time.time() < deadline, 'training did not reach epoch 2'
    proc.wait(timeout=60)
    assert killed_at is not None and proc.returncode == -signal.SIGKILL
    assert osp.basename(last_checkpoint(work)) == 'epoch_1.pth'
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))

    out = run_tool([
        'tools/train.py', cfg, '--work-dir', work, '--resume', '--cfg-options',
        *opts
    ])
    assert 'resumed epoch: 1, iter: 12' in out
    ref, ref_student = student(osp.join(ref_dir, 'epoch_3.pth'))
    got, got_student = student(osp.join(work, 'epoch_3.pth'))
    # the same iteration counter, learning rate and weights
    assert got['meta']['iter'] == ref['meta']['iter'] == 36
    assert got['optimizer']['param_groups'][0]['lr'] == \
        ref['optimizer']['param_groups'][0]['lr']
    for k, v in ref_student.items():
        torch.testing.assert_close(got_student[k], v, atol=ATOL, rtol=0, msg=k)


def test_sigkill_then_resume_matches_uninterrupted(trained_teacher,
                                                   tiny_scene_root, tmp_path):
    opts = with_batch_4(
        scene_options(tiny_scene_root) +
        [f'model.teacher_ckpt={trained_teacher}'])
    kill_resume_and_compare(deterministic_config(tmp_path), opts, tmp_path)


def test_cached_kd_resumes_at_the_same_cache_position(trained_teacher,
                                                      trained_vit,
                                                      tiny_scene_root,
                                                      tmp_path):
    """The cached config keeps its random crops and flips: every view is
    replayed from (seed, image, draw), and RSKDTeacherDrawSampler picks the
    draw from (seed, epoch, image), so the resumed run serves the same
    images, views and cached teacher outputs in the same order."""
    cache = str(tmp_path / 'cache')
    opts = fastkd_options(tiny_scene_root, cache,
                          (trained_teacher, trained_vit))
    run_tool(
        ['tools/cache_teacher_outputs.py', FASTKD, '--cfg-options', *opts])
    kill_resume_and_compare(FASTKD, with_batch_4(opts), tmp_path)
