# Copyright (c) rskd_mm contributors. All rights reserved.
"""ONNX deployment (rskd_mm.apis.onnx, tools/deployment/pytorch2onnx.py):
a classifier exported, checked and compared with PyTorch on real images,
its dynamic batch axis, the raster tools on the .onnx file, and a parity
failure that writes nothing. The EDP-CTNet export is tested with the pruned
model of tests/test_tools_seg.py."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

from .conftest import REPO_ROOT, subprocess_env  # noqa: E402

STUDENT = osp.join(REPO_ROOT, 'configs', 'baselines',
                   'mobilenetv2-w025_1xb64-3e_eurosat-64px.py')
TOOL = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')


def smooth_rgb(h, w, seed):
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.uniform(0, 255, (1, 3, 5, 5)))
    img = torch.nn.functional.interpolate(
        coarse, size=(h, w), mode='bicubic', align_corners=False)[0]
    return img.clamp(0, 255).numpy().astype(np.uint8)


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    """The EuroSAT student (random weights), its checkpoint, two images."""
    from PIL import Image

    from rskd_mm.apis import init_model
    d = tmp_path_factory.mktemp('onnx')
    torch.manual_seed(0)
    wrapper, _, _ = init_model(STUDENT)
    ckpt = str(d / 'student.pth')
    torch.save({'state_dict': wrapper.model.state_dict()}, ckpt)
    images = []
    for i in range(2):
        path = str(d / f'img{i}.png')
        Image.fromarray(smooth_rgb(64, 64, i).transpose(1, 2, 0)).save(path)
        images.append(path)
    return dict(dir=d, ckpt=ckpt, images=images)


@pytest.fixture(scope='module')
def exported(student):
    out = str(student['dir'] / 'student.onnx')
    proc = subprocess.run([
        sys.executable, TOOL, STUDENT, student['ckpt'], out, '--inputs',
        *student['images']
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout


def test_classifier_export_is_checked_and_matches_pytorch(student, exported):
    import onnx
    out, stdout = exported
    assert 'max |onnxruntime - pytorch| = ' in stdout
    assert 'on 2 real input(s)' in stdout
    onnx.checker.check_model(out)
    model = onnx.load(out)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == 'batch' and dims[2].dim_value == 64


def test_classifier_dynamic_batch_against_pytorch(student, exported):
    import onnxruntime as ort

    from rskd_mm.apis import init_model
    wrapper, _, _ = init_model(STUDENT, student['ckpt'])
    x = np.stack([smooth_rgb(64, 64, s) for s in (5, 6, 7)]).astype(np.float32)
    sess = ort.InferenceSession(
        exported[0], providers=['CPUExecutionProvider'])
    got = sess.run(None, {'pixels': x})[0]
    with torch.no_grad():
        want = wrapper(torch.from_numpy(x)).numpy()
    assert got.shape == (3, 10)
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=0)


def test_classify_raster_onnx_equals_pytorch(tmp_path, student, exported):
    rasterio = pytest.importorskip('rasterio')
    from rasterio.transform import from_origin

    from rskd_mm.apis import classify_raster
    img = smooth_rgb(128, 192, 3)
    src = tmp_path / 'scene.tif'
    with rasterio.open(
            src,
            'w',
            driver='GTiff',
            height=128,
            width=192,
            count=3,
            dtype='uint8',
            crs='EPSG:32631',
            transform=from_origin(300000, 5000000, 10, 10)) as dst:
        dst.write(img)
    res = {}
    for backend, ckpt in (('pytorch', student['ckpt']), ('onnxruntime',
                                                         exported[0])):
        out = tmp_path / f'{backend}.tif'
        r = classify_raster(
            STUDENT, ckpt, str(src), str(out), tile=64, progress=False)
        assert r['backend'] == backend
        with rasterio.open(out) as o:
            res[backend] = o.read()
    assert res['pytorch'].shape == (2, 2, 3)
    assert np.array_equal(res['pytorch'][0], res['onnxruntime'][0])
    assert np.abs(res['pytorch'][1].astype(int) -
                  res['onnxruntime'][1].astype(int)).max() <= 1


def test_parity_failure_writes_nothing(tmp_path, student, monkeypatch):
    from rskd_mm.apis import onnx as onnx_api
    real = onnx_api.onnx_parity

    def off_by_one(path, wrapper, inputs):
        res = real(path, wrapper, inputs)
        res['max_abs_diff'] += 1.0
        return res

    monkeypatch.setattr(onnx_api, 'onnx_parity', off_by_one)
    out = tmp_path / 'bad.onnx'
    with pytest.raises(
            onnx_api.OnnxParityError,
            match=r'bad\.onnx: ONNX Runtime differs from '
            r'PyTorch by 1.*> tolerance 0\.001; nothing was'):
        onnx_api.export_onnx(
            STUDENT, student['ckpt'], str(out), input_files=student['images'])
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_a_wrong_checkpoint(tmp_path, student):
    state = torch.load(student['ckpt'])['state_dict']
    key = next(k for k in state if k.endswith('.weight'))
    state[key] = torch.zeros(3, 3)
    bad = str(tmp_path / 'wrong.pth')
    torch.save({'state_dict': state}, bad)
    proc = subprocess.run(
        [sys.executable, TOOL, STUDENT, bad,
         str(tmp_path / 'x.onnx')],
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 1
    assert 'pytorch2onnx.py: error: checkpoint ' in proc.stderr
    assert 'wrong.pth does not match the model of' in proc.stderr
    assert f'{key}: checkpoint (3, 3)' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not (tmp_path / 'x.onnx').exists()


def test_deploy_benchmark_prints_both_backends(tmp_path):
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_deploy.py', '--models',
        'mnv2-eurosat', '--iters', '1', '--batch-cls', '2', '--json',
        str(tmp_path / 'd.json')
    ],
                          cwd=REPO_ROOT,
                          env=subprocess_env(),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '| mnv2-eurosat | student | 64 px |' in proc.stdout
    import json
    row = json.load(open(tmp_path / 'd.json'))['rows'][0]
    assert row['max_abs_diff'] < 1e-3
    assert row['pt_latency_ms'] > 0 and row['ort_latency_ms'] > 0


def test_onnx_model_of_another_config_is_refused(tmp_path, exported):
    from rskd_mm.apis import RasterInputError, load_predictor
    with pytest.raises(
            RasterInputError,
            match=r'student\.onnx gives 10 classes but the model '
            r'of .*mobilenetv2.* has 7; is it the export of '
            'another config'):
        load_predictor(
            STUDENT, exported[0], cfg_options={'model.head.num_classes': 7})
