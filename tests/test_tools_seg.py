# Copyright (c) rskd_mm contributors. All rights reserved.
"""The DP-CTNet -> prune -> EDP-CTNet -> distil (AKD, CWD) chain through the
OpenMMLab tools on the embedded segmentation set, and the seg benchmarks."""
import json
import os.path as osp

import pytest
import torch

from rskd_mm.compat.checkpoint import load_file
from .conftest import REPO_ROOT
from .test_tools import last_checkpoint, run_tool

CFG = osp.join(REPO_ROOT, 'configs', 'dpctnet')
TEACHER = osp.join(CFG, 'dpctnet-t_1xb4-1k_demo-seg-128px.py')
PRUNE = osp.join(CFG, 'prune-l1_dpctnet-t_1xb4-200_demo-seg-128px.py')
EDP = osp.join(CFG, 'edpctnet-t_1xb4-1k_demo-seg-128px.py')
AKD_CWD = osp.join(CFG,
                   'akd-cwd_dpctnet-t_edpctnet-t_1xb4-1k_demo-seg-128px.py')


def data_options(root, iters, preprocessor_keys=('model.data_preprocessor', )):
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    opts += ['train_dataloader.batch_size=2']
    opts += [f'{k}.size=[64,64]' for k in preprocessor_keys]
    return opts + [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        'default_hooks.logger.interval=1',
        'default_hooks.visualization.draw=False'
    ]


@pytest.fixture(scope='module')
def pruned(tiny_seg_root, tmp_path_factory):
    """Teacher (4 iterations), pruning run (8), export."""
    work = tmp_path_factory.mktemp('dpctnet')
    teacher_dir = str(work / 'teacher')
    run_tool([
        'tools/train.py', TEACHER, '--work-dir', teacher_dir, '--cfg-options',
        *data_options(tiny_seg_root, 4)
    ])
    teacher = last_checkpoint(teacher_dir)
    prune_dir = str(work / 'prune')
    out = run_tool([
        'tools/train.py', PRUNE, '--work-dir', prune_dir, '--cfg-options',
        *data_options(tiny_seg_root, 8, ('model.data_preprocessor', )),
        f'load_from={teacher}', 'model.step_freq=2', 'model.prune_times=4'
    ])
    assert 'loading it into `architecture`' in out  # the teacher's weights
    assert out.count('The model is pruned at') == 4
    out = run_tool(
        ['tools/pruning/export_pruned.py', PRUNE,
         last_checkpoint(prune_dir)])
    assert 'parameters:' in out
    with open(osp.join(prune_dir, 'pruned_summary.json')) as f:
        summary = json.load(f)
    return dict(teacher=teacher, dir=prune_dir, summary=summary)


def test_export_gives_a_smaller_static_model(pruned):
    s = pruned['summary']
    assert s['params_after'] < s['params_before'] / 3
    assert all(0 < c <= 1 for c in s['choices'].values())
    ckpt = load_file(osp.join(pruned['dir'], 'pruned.pth'), map_location='cpu')
    assert 'state_dict' in ckpt and 'backbone.ffm.1.fuse.conv.weight' in \
        ckpt['state_dict']


def test_export_refuses_a_checkpoint_that_does_not_fit(pruned, tmp_path):
    """A pruning checkpoint with one tensor of another shape stops the
    export before anything is written, naming the file, config and key."""
    import subprocess
    import sys

    from .conftest import subprocess_env
    ckpt = load_file(last_checkpoint(pruned['dir']), map_location='cpu')
    key = 'architecture.decode_head.conv_seg.weight'
    assert key in ckpt['state_dict']
    shape = tuple(ckpt['state_dict'][key].shape)
    ckpt['state_dict'][key] = torch.zeros(shape[0] + 1, *shape[1:])
    bad = str(tmp_path / 'bad.pth')
    torch.save(ckpt, bad)
    out_dir = tmp_path / 'out'
    proc = subprocess.run([
        sys.executable, 'tools/pruning/export_pruned.py', PRUNE, bad,
        '--out-dir',
        str(out_dir)
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True)
    assert proc.returncode == 1
    msg = proc.stderr
    assert f'checkpoint {bad} does not fit the model of {PRUNE}' in msg
    assert (f'{key}: checkpoint ({shape[0] + 1}, ' in msg
            and f'vs model ({shape[0]}, ' in msg)
    assert 'Traceback' not in msg
    assert not out_dir.exists()


def test_edpctnet_finetune_then_test(pruned, tiny_seg_root, tmp_path):
    subnet = osp.join(pruned['dir'], 'fix_subnet.json')
    opts = data_options(tiny_seg_root, 4, ('model.cfg.data_preprocessor', ))
    opts += [
        f'model.fix_subnet={subnet}',
        f"load_from={osp.join(pruned['dir'], 'pruned.pth')}"
    ]
    work = str(tmp_path)
    run_tool(
        ['tools/train.py', EDP, '--work-dir', work, '--cfg-options', *opts])
    metrics = str(tmp_path / 'metrics.json')
    run_tool([
        'tools/test.py', EDP,
        last_checkpoint(work), '--work-dir', work, '--metrics-out', metrics,
        '--cfg-options', *opts
    ])
    with open(metrics) as f:
        assert 0.0 <= json.load(f)['mIoU'] <= 100.0


def akd_cwd_options(pruned, root):
    """The AKD + CWD config on the tiny set: the pruned student, the
    teacher, eager AKD (no compile in short runs)."""
    subnet = osp.join(pruned['dir'], 'fix_subnet.json')
    opts = data_options(
        root, 4, ('model.data_preprocessor', 'model.teacher.data_preprocessor',
                  'model.architecture.cfg.data_preprocessor'))
    return opts + [
        f'model.architecture.fix_subnet={subnet}',
        f"model.teacher_ckpt={pruned['teacher']}",
        f"load_from={osp.join(pruned['dir'], 'pruned.pth')}",
        'model.distiller.distill_losses.loss_akd.backend=eager'
    ]


def test_edpctnet_distilled_with_akd_and_cwd(pruned, tiny_seg_root, tmp_path):
    subnet = osp.join(pruned['dir'], 'fix_subnet.json')
    opts = akd_cwd_options(pruned, tiny_seg_root)
    work = str(tmp_path)
    out = run_tool([
        'tools/train.py', AKD_CWD, '--work-dir', work, '--cfg-options', *opts
    ])
    # both distillation terms are logged, and the student started from the
    # pruned weights
    assert 'distill.loss_akd' in out and 'distill.loss_cwd' in out
    assert 'loading it into `architecture`' in out
    metrics = str(tmp_path / 'metrics.json')
    run_tool([
        'tools/test.py', AKD_CWD,
        last_checkpoint(work), '--work-dir', work, '--metrics-out', metrics,
        '--cfg-options', *opts
    ])
    with open(metrics) as f:
        miou = json.load(f)['mIoU']
    assert 0.0 <= miou <= 100.0
    # the distilled EDP-CTNet as a plain checkpoint for its own config
    student = str(tmp_path / 'edpctnet.pth')
    run_tool([
        'tools/model_converters/distill_to_student.py',
        last_checkpoint(work), student
    ])
    edp_opts = data_options(tiny_seg_root, 4,
                            ('model.cfg.data_preprocessor', ))
    edp_opts += [f'model.fix_subnet={subnet}']
    metrics = str(tmp_path / 'student_metrics.json')
    run_tool([
        'tools/test.py', EDP, student, '--work-dir', work, '--metrics-out',
        metrics, '--cfg-options', *edp_opts
    ])
    with open(metrics) as f:
        assert json.load(f)['mIoU'] == pytest.approx(miou)


def test_akd_benchmark_script(tmp_path):
    out = run_tool([
        'tools/analysis_tools/benchmark_akd.py', '--sizes', '16', '32',
        '--iters', '1', '--backends', 'eager', '--plot',
        str(tmp_path / 'akd.png')
    ])
    assert '| 32 | efficient-eager |' in out
    assert osp.isfile(tmp_path / 'akd.png')


def test_edpctnet_benchmark_script(tmp_path):
    out = run_tool([
        'tools/analysis_tools/benchmark_edpctnet.py', '--config', TEACHER,
        '--prune-config', PRUNE, '--size', '64', '--iters', '1', '--json',
        str(tmp_path / 'b.json')
    ])
    assert '| EDP-CTNet |' in out
    with open(tmp_path / 'b.json') as f:
        rows = json.load(f)['rows']
    assert rows['EDP-CTNet']['params'] < rows['DP-CTNet']['params']


def test_edpctnet_distillation_on_two_processes(pruned, tiny_seg_root,
                                                tmp_path, free_port):
    """Segmentation KD (AKD + CWD) through dist_train.sh on 2 processes
    (gloo on the CPU), then dist_test.sh: the metric gathered from the two
    processes is the single-process metric of the same checkpoint.
    (Training is not compared with one process: the EDP-CTNet student has
    BatchNorm, which normalises per process; tests/test_distributed.py
    compares classification runs with a GroupNorm student.)"""
    from .test_distributed import dist
    opts = akd_cwd_options(pruned, tiny_seg_root)
    work = str(tmp_path / 'train')
    out = dist('dist_train.sh',
               [AKD_CWD, '2', '--work-dir', work, '--cfg-options', *opts],
               free_port)
    assert 'distill.loss_akd' in out and 'distill.loss_cwd' in out
    assert 'Distributed training: True' in out and 'GPU number: 2' in out
    ckpt = last_checkpoint(work)
    assert ckpt.endswith('iter_4.pth')
    # the frozen teacher is the teacher checkpoint, bit for bit
    teacher = load_file(pruned['teacher'], map_location='cpu')['state_dict']
    got = load_file(ckpt, map_location='cpu')['state_dict']
    for k, v in teacher.items():
        assert torch.equal(got['teacher.' + k], v), k

    metrics = {}
    for n in (1, 2):
        f = str(tmp_path / f'metrics{n}.json')
        args = [
            '--work-dir',
            str(tmp_path / f'test{n}'), '--metrics-out', f, '--cfg-options',
            *opts
        ]
        if n == 1:
            run_tool(['tools/test.py', AKD_CWD, ckpt, *args])
        else:
            dist('dist_test.sh', [AKD_CWD, ckpt, '2', *args], free_port)
        with open(f) as fh:
            metrics[n] = json.load(fh)
    assert metrics[2]['mIoU'] == pytest.approx(metrics[1]['mIoU'], abs=0.01)
    assert metrics[2]['aAcc'] == pytest.approx(metrics[1]['aAcc'], abs=0.01)


def test_edpctnet_onnx_export_and_raster(pruned, tiny_seg_root, tmp_path):
    """The pruned EDP-CTNet (its fix_subnet) exported to ONNX with dynamic
    height and width, compared with PyTorch on the set's real tiles, then
    used by the raster tool in place of the checkpoint."""
    pytest.importorskip('onnxruntime')
    rasterio = pytest.importorskip('rasterio')
    import glob

    import numpy as np
    from rasterio.transform import from_origin

    from rskd_mm.apis import segment_raster
    subnet = osp.join(pruned['dir'], 'fix_subnet.json')
    ckpt = osp.join(pruned['dir'], 'pruned.pth')
    images = sorted(glob.glob(osp.join(tiny_seg_root, 'img_dir', 'val', '*')))
    out = str(tmp_path / 'edp.onnx')
    log = run_tool([
        'tools/deployment/pytorch2onnx.py', EDP, ckpt, out, '--shape', '64',
        '64', '--inputs', *images, '--cfg-options',
        f'model.fix_subnet={subnet}'
    ])
    assert f'on {len(images)} real input(s)' in log
    result = json.loads(
        next(ln for ln in log.splitlines() if ln.startswith('{"out"')))
    assert result['dynamic_hw'] and result['second_size'] == [32, 32]
    assert result['max_abs_diff'] <= 1e-3
    assert result['max_abs_diff_second_size'] <= 1e-3
    import onnx
    ops = {n.op_type for n in onnx.load(out).graph.node}
    # the transformer path's attention is ONNX Runtime's fused operator
    assert 'MultiHeadAttention' in ops and 'Softmax' not in ops
    from rskd_mm.apis import export_onnx
    plain = export_onnx(
        EDP,
        ckpt,
        str(tmp_path / 'plain.onnx'),
        shape=(64, 64),
        input_files=images,
        cfg_options={'model.fix_subnet': subnet},
        ort_attention=False)
    ops = {n.op_type for n in onnx.load(plain['out']).graph.node}
    assert 'MultiHeadAttention' not in ops and 'Softmax' in ops
    assert plain['max_abs_diff'] <= 1e-3

    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (3, 80, 96), dtype=np.uint8)
    src = str(tmp_path / 'scene.tif')
    with rasterio.open(
            src,
            'w',
            driver='GTiff',
            height=80,
            width=96,
            count=3,
            dtype='uint8',
            crs='EPSG:32640',
            transform=from_origin(500000, 2800000, 0.5, 0.5)) as dst:
        dst.write(img)
    maps = {}
    for name, weights in (('pytorch', ckpt), ('onnx', out)):
        dst_path = str(tmp_path / f'{name}.tif')
        segment_raster(
            EDP,
            weights,
            src,
            dst_path,
            tile=64,
            overlap=16,
            progress=False,
            cfg_options={'model.fix_subnet': subnet})
        with rasterio.open(dst_path) as o:
            maps[name] = o.read(1)
            assert o.crs.to_epsg() == 32640 and o.shape == (80, 96)
    assert (maps['pytorch'] == maps['onnx']).mean() > 0.999


def test_akd_step_benchmark_script(tmp_path):
    cfg = osp.join(CFG, 'akd_dpctnet-t_edpctnet-t_1xb4-1k_demo-seg-128px.py')
    out = run_tool([
        'tools/analysis_tools/benchmark_akd_step.py', '--config', cfg,
        '--prune-config', PRUNE, '--batch', '1', '--crop', '64', '--iters',
        '1', '--device', 'cpu', '--json',
        str(tmp_path / 's.json')
    ])
    assert '| KD step with AKD |' in out
    with open(tmp_path / 's.json') as f:
        rows = json.load(f)['rows']
    assert [r['step'][:7] for r in rows] == ['student', 'KD step', 'KD step']
    assert all(r['seconds'] > 0 for r in rows)


def test_flops_count_the_attention():
    """mmengine's counter skips scaled_dot_product_attention;
    rskd_mm.utils.count_flops (the benchmarks' counter) adds B * heads * N *
    N * (d + dv)."""
    from mmengine.analysis import FlopAnalyzer

    from rskd_mm.models.backbones.dpctnet import Attention
    from rskd_mm.utils import count_flops
    model, x = Attention(8, 2), torch.rand(1, 10, 8)
    # qkv 10*8*24 + proj 10*8*8 = 2560; attention 2 heads*10*10*(4+4) = 1600
    assert FlopAnalyzer(model, inputs=x).total() == 2560
    assert count_flops(model, x) == 2560 + 1600
