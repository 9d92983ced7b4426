# Copyright (c) rskd_mm contributors. All rights reserved.
"""Bad inputs stop the tools before any work, with one message that names
the file (and key, line or path) at fault; no metric is printed for a model
whose weights were not all loaded."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from rskd_mm.compat.checkpoint import load_file
from .conftest import REPO_ROOT, subprocess_env
from .test_tools import STUDENT, scene_options


def run_fail(args):
    """Run a tool that must fail; return its output."""
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f'{" ".join(args)} did not fail:\n{out}'
    return out


def run_ok(args):
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(args)} failed:\n{out[-4000:]}'
    return out


@pytest.fixture(scope='module')
def student_8cls(tmp_path_factory):
    """A checkpoint of the 8-class demo student (untrained weights)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import rskd_mm  # noqa: F401
    init_default_scope('mmpretrain')
    model = MODELS.build(Config.fromfile(STUDENT).model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'student_8cls.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), path)
    return path


def test_test_tool_refuses_a_checkpoint_of_another_class_count(
        student_8cls, tiny_scene_root, tmp_path):
    out = run_fail([
        'tools/test.py', STUDENT, student_8cls, '--work-dir',
        str(tmp_path), '--cfg-options', *scene_options(tiny_scene_root),
        'model.head.num_classes=10'
    ])
    assert f'checkpoint {student_8cls} does not fit the model of' in out
    assert STUDENT in out
    assert 'head.fc.weight: checkpoint (8, 1280) vs model (10, 1280)' in out
    assert 'accuracy/top1' not in out


def test_unreadable_checkpoints_are_named_in_one_line(tiny_scene_root,
                                                      tmp_path):
    text = tmp_path / 'notes.pth'
    text.write_text('these are not weights\n' * 20)
    out = run_fail([
        'tools/test.py', STUDENT,
        str(text), '--work-dir',
        str(tmp_path), '--cfg-options', *scene_options(tiny_scene_root)
    ])
    last = out.strip().splitlines()[-1]
    assert last.startswith('test.py: error: ')
    assert str(text) in last and 'not a readable checkpoint' in last
    assert 'not a PyTorch checkpoint' in last
    assert 'Traceback' not in out  # one line, not a stack

    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict={'w': torch.zeros(1000)}), str(good))
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:1500])
    out = run_fail([
        'tools/test.py', STUDENT,
        str(truncated), '--work-dir',
        str(tmp_path), '--cfg-options', *scene_options(tiny_scene_root)
    ])
    last = out.strip().splitlines()[-1]
    assert str(truncated) in last and 'truncated or corrupt' in last


def test_load_from_is_strict_unless_partial_is_asked_for(
        student_8cls, tiny_scene_root, tmp_path):
    opts = [
        *scene_options(tiny_scene_root), 'model.head.num_classes=10',
        'train_cfg.max_epochs=1', f'load_from={student_8cls}'
    ]
    out = run_fail([
        'tools/train.py', STUDENT, '--work-dir',
        str(tmp_path / 'strict'), '--cfg-options', *opts
    ])
    assert 'does not fit the model' in out and '--load-partial' in out
    assert 'Epoch(train)' not in out
    assert not osp.exists(tmp_path / 'strict' / 'epoch_1.pth')

    out = run_ok([
        'tools/train.py', STUDENT, '--work-dir',
        str(tmp_path / 'partial'), '--load-partial', '--cfg-options', *opts
    ])
    assert 'load_partial' in out and 'left untouched' in out
    assert 'head.fc.weight: checkpoint (8, 1280) vs model (10, 1280)' in out
    assert osp.isfile(tmp_path / 'partial' / 'epoch_1.pth')


def test_student_export_checks_the_student_config(student_8cls, tmp_path):
    # a distillation-style checkpoint whose student has 8 classes
    state = load_file(student_8cls)['state_dict']
    kd = tmp_path / 'kd.pth'
    torch.save(
        dict(
            meta={},
            state_dict={f'architecture.{k}': v
                        for k, v in state.items()}), kd)
    config10 = tmp_path / 'student10.py'
    config10.write_text(f"_base_ = ['{STUDENT}']\n"
                        'model = dict(head=dict(num_classes=10))\n')
    dst = tmp_path / 'student.pth'
    out = run_fail([
        'tools/model_converters/distill_to_student.py',
        str(kd),
        str(dst), '--config',
        str(config10)
    ])
    assert str(kd) in out and str(config10) in out
    assert 'head.fc.weight: checkpoint (8, 1280) vs model (10, 1280)' in out
    assert not dst.exists()
    run_ok([
        'tools/model_converters/distill_to_student.py',
        str(kd),
        str(dst), '--config', STUDENT
    ])
    assert dst.exists()


def test_training_on_a_bad_annotation_file_stops_before_training(
        tiny_scene_root, tmp_path):
    import shutil
    root = tmp_path / 'scene'
    shutil.copytree(tiny_scene_root, root)
    train = root / 'meta' / 'train.txt'
    lines = train.read_text().splitlines()
    lines[9] = lines[9].split()[0] + ' 12'
    train.write_text('\n'.join(lines) + '\n')
    out = run_fail([
        'tools/train.py', STUDENT, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *scene_options(str(root))
    ])
    assert f'{train}: 1 bad line(s)' in out and 'line 10:' in out
    assert 'Epoch(train)' not in out
