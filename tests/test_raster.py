# Copyright (c) rskd_mm contributors. All rights reserved.
"""Whole-scene inference on georeferenced rasters (rskd_mm.apis.raster and
tools/inference): georeferencing kept, tiled == single pass, edges, nodata,
band selection and scaling, clear errors, classification grids."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

rasterio = pytest.importorskip('rasterio')
from rasterio.transform import from_origin  # noqa: E402

from .conftest import subprocess_env  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CRS = 'EPSG:32640'
TRANSFORM = from_origin(500000.0, 2800000.0, 0.5, 0.5)

# A segmentor whose prediction at a pixel depends on that pixel only (1x1
# convolutions, no downsampling): a tiled run must equal one pass exactly,
# which isolates the blending from the receptive field of real models.
POINTWISE_CFG = '''
default_scope = 'mmseg'
custom_imports = dict(imports=['rskd_mm', 'tests.test_raster'],
                      allow_failed_imports=False)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='RasterTestPointwise', channels=8),
    decode_head=dict(type='FCNHead', in_channels=8, channels=8,
                     num_convs=0, concat_input=False, kernel_size=1,
                     dropout_ratio=0.0, num_classes=4, in_index=0,
                     align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss')),
    train_cfg=dict(), test_cfg=dict(mode='whole'))
test_dataloader = dict(dataset=dict(
    type='BaseSegDataset',
    metainfo=dict(classes=('water', 'land', 'road', 'building'),
                  palette=[[0, 0, 255], [200, 180, 140], [128, 128, 128],
                           [200, 60, 50]])))
'''


def _register_pointwise():
    from mmseg.registry import MODELS

    @MODELS.register_module(name='RasterTestPointwise', force=True)
    class RasterTestPointwise(nn.Module):

        def __init__(self, channels=8):
            super().__init__()
            self.conv = nn.Conv2d(3, channels, 1)
            self.conv2 = nn.Conv2d(channels, channels, 1)

        def forward(self, x):
            return (self.conv2(torch.tanh(self.conv(x))), )


_register_pointwise()


def write_raster(path, data, nodata=None, crs=CRS, transform=TRANSFORM):
    count, h, w = data.shape
    profile = dict(
        driver='GTiff',
        height=h,
        width=w,
        count=count,
        dtype=str(data.dtype),
        transform=transform)
    if crs is not None:
        profile['crs'] = crs
    if nodata is not None:
        profile['nodata'] = nodata
    with rasterio.open(path, 'w', **profile) as dst:
        dst.write(data)
    return path


def smooth_image(h, w, bands=3, seed=0, dtype=np.uint8, high=255):
    """A smooth random image (so that segmentations have regions)."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.uniform(0, high, (1, bands, 6, 7)))
    img = torch.nn.functional.interpolate(
        coarse, size=(h, w), mode='bicubic', align_corners=False)[0]
    return img.clamp(1, high).numpy().astype(dtype)


@pytest.fixture(scope='module')
def pointwise(tmp_path_factory):
    """(config, checkpoint) of the pointwise segmentor."""
    from rskd_mm.apis import init_model
    d = tmp_path_factory.mktemp('pointwise')
    cfg = d / 'pointwise_seg.py'
    cfg.write_text(POINTWISE_CFG)
    torch.manual_seed(0)
    wrapper, _, _ = init_model(str(cfg))
    ckpt = d / 'pointwise.pth'
    torch.save({'state_dict': wrapper.model.state_dict()}, ckpt)
    return str(cfg), str(ckpt)


@pytest.fixture(scope='module')
def predictor(pointwise):
    from rskd_mm.apis import load_predictor
    return load_predictor(*pointwise)


def read(path, band=None):
    with rasterio.open(path) as src:
        return src.read(band) if band else src.read()


def test_output_is_georeferenced_like_the_input(tmp_path, pointwise,
                                                predictor):
    from rskd_mm.apis import segment_raster
    src = write_raster(tmp_path / 'in.tif', smooth_image(150, 170))
    out = tmp_path / 'out.tif'
    res = segment_raster(
        *pointwise,
        str(src),
        str(out),
        tile=64,
        overlap=16,
        preview=str(tmp_path / 'map.png'),
        progress=False,
        predictor=predictor)
    assert res['tiles'] == 3 * 4  # y: 0 48 86, x: 0 48 96 106
    with rasterio.open(src) as a, rasterio.open(out) as b:
        assert b.crs == a.crs and b.transform == a.transform
        assert (b.height, b.width) == (a.height, a.width)
        assert b.count == 1 and b.dtypes == ('uint8', )
        assert b.nodata == 255
        assert b.profile['tiled'] is False or b.block_shapes
        tags = b.tags()
        assert tags['CLASSES'] == '["water", "land", "road", "building"]'
        assert tags['CLASS_3'] == 'building'
        assert b.colormap(1)[0] == (0, 0, 255, 255)
        labels = b.read(1)
    # every pixel covered, including the right and bottom edge windows
    assert labels.max() < 4
    assert len(np.unique(labels)) > 1
    from PIL import Image
    assert Image.open(tmp_path / 'map.png').size == (170, 150)


def test_tiled_equals_single_pass(tmp_path, pointwise, predictor):
    from rskd_mm.apis import segment_raster
    src = write_raster(tmp_path / 'in.tif', smooth_image(150, 170, seed=1))
    outs = {}
    for name, tile, overlap in (('tiled', 64, 24), ('edges', 48, 0), ('single',
                                                                      192, 0)):
        out = tmp_path / f'{name}.tif'
        probs = tmp_path / f'{name}_probs.tif'
        segment_raster(
            *pointwise,
            str(src),
            str(out),
            tile=tile,
            overlap=overlap,
            probs=str(probs),
            progress=False,
            predictor=predictor)
        outs[name] = read(out, 1), read(probs).astype(int)
    single_labels, single_probs = outs['single']
    for name in ('tiled', 'edges'):
        labels, probs = outs[name]
        # blending is a weighted mean of identical predictions: equal up
        # to the rounding of the uint8 probabilities
        assert np.abs(probs - single_probs).max() <= 1, name
        assert (labels == single_labels).mean() > 0.999, name
    with rasterio.open(tmp_path / 'single_probs.tif') as p:
        assert p.count == 4 and p.scales[0] == pytest.approx(1 / 255)
        assert p.descriptions[1] == 'p(land)'
    # the probabilities sum to one
    assert np.abs(single_probs.sum(0) - 255).max() <= 3


def test_nodata_stays_nodata(tmp_path, pointwise, predictor):
    from rskd_mm.apis import segment_raster
    img = smooth_image(130, 140, seed=2)
    img[:, :70, :80] = 0  # a nodata corner that spans whole tiles
    img[:, 100:103, 110:113] = 0  # and a few pixels inside a tile
    src = write_raster(tmp_path / 'in.tif', img, nodata=0)
    out = tmp_path / 'out.tif'
    segment_raster(
        *pointwise,
        str(src),
        str(out),
        tile=32,
        overlap=8,
        progress=False,
        predictor=predictor)
    labels = read(out, 1)
    nodata = (img == 0).all(0)
    assert (labels[nodata] == 255).all()
    assert (labels[~nodata] < 4).all()


def test_bands_and_scale_for_16_bit_rasters(tmp_path, pointwise, predictor):
    from rskd_mm.apis import RasterInputError, segment_raster
    img8 = smooth_image(64, 80, seed=3)
    extra = np.full((1, 64, 80), 7, np.uint8)
    # the same image as 4-band uint16 (x 40, plus a near-infrared band)
    img16 = np.concatenate([img8, extra]).astype(np.uint16) * 40
    src8 = write_raster(tmp_path / 'rgb8.tif', img8)
    src16 = write_raster(tmp_path / 'rgbn16.tif', img16)
    common = dict(tile=32, overlap=8, progress=False, predictor=predictor)
    segment_raster(*pointwise, str(src8), str(tmp_path / 'a.tif'), **common)
    segment_raster(
        *pointwise,
        str(src16),
        str(tmp_path / 'b.tif'),
        bands=[1, 2, 3],
        scale=[1 / 40],
        **common)
    assert np.array_equal(read(tmp_path / 'a.tif'), read(tmp_path / 'b.tif'))
    with pytest.raises(RasterInputError, match=r'rgbn16\.tif has 4 band'):
        segment_raster(*pointwise, str(src16), str(tmp_path / 'c.tif'),
                       **common)
    with pytest.raises(RasterInputError, match=r'uint16, not uint8.*--scale'):
        segment_raster(
            *pointwise,
            str(src16),
            str(tmp_path / 'c.tif'),
            bands=[1, 2, 3],
            **common)
    with pytest.raises(RasterInputError, match=r'bands 1\.\.4; --bands asks'):
        segment_raster(
            *pointwise,
            str(src16),
            str(tmp_path / 'c.tif'),
            bands=[1, 2, 5],
            scale=[1.0],
            **common)
    assert not osp.exists(tmp_path / 'c.tif')


def test_ungeoreferenced_raster_is_refused(tmp_path, pointwise, predictor):
    import warnings

    from rskd_mm.apis import RasterInputError, segment_raster
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # rasterio: not georeferenced
        src = write_raster(
            tmp_path / 'plain.tif',
            smooth_image(40, 40),
            crs=None,
            transform=rasterio.Affine.identity())
        with pytest.raises(
                RasterInputError, match=r'plain\.tif: not georeferenced'):
            segment_raster(
                *pointwise,
                str(src),
                str(tmp_path / 'o.tif'),
                tile=32,
                progress=False,
                predictor=predictor)
        segment_raster(
            *pointwise,
            str(src),
            str(tmp_path / 'o.tif'),
            tile=32,
            progress=False,
            predictor=predictor,
            allow_ungeoreferenced=True)
    assert read(tmp_path / 'o.tif', 1).shape == (40, 40)


def test_wrong_checkpoint_names_file_and_keys(tmp_path, pointwise):
    from rskd_mm.apis import segment_raster
    from rskd_mm.models.utils import CheckpointMismatchError
    cfg, ckpt = pointwise
    state = torch.load(ckpt)['state_dict']
    state['backbone.conv.weight'] = torch.zeros(16, 3, 1, 1)
    bad = tmp_path / 'other.pth'
    torch.save({'state_dict': state}, bad)
    src = write_raster(tmp_path / 'in.tif', smooth_image(40, 40))
    with pytest.raises(CheckpointMismatchError) as info:
        segment_raster(cfg, str(bad), str(src), str(tmp_path / 'o.tif'))
    msg = str(info.value)
    assert 'other.pth' in msg and 'pointwise_seg.py' in msg
    assert 'backbone.conv.weight: checkpoint (16, 3, 1, 1) vs model ' \
        '(8, 3, 1, 1)' in msg


def test_segment_raster_cli(tmp_path, pointwise):
    cfg, ckpt = pointwise
    src = write_raster(tmp_path / 'in.tif', smooth_image(50, 60))
    tool = osp.join(REPO_ROOT, 'tools', 'inference', 'segment_raster.py')
    env = subprocess_env(PYTHONPATH=REPO_ROOT)
    ok = subprocess.run([
        sys.executable, tool, cfg, ckpt,
        str(src),
        str(tmp_path / 'o.tif'), '--tile', '32', '--overlap', '8',
        '--no-progress'
    ],
                        cwd=REPO_ROOT,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=300)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert '"tiles": 6' in ok.stdout  # 2 rows x 3 columns
    bad = subprocess.run([
        sys.executable, tool, cfg, ckpt,
        str(src),
        str(tmp_path / 'o2.tif'), '--bands', '1,2'
    ],
                         cwd=REPO_ROOT,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert bad.returncode == 1
    assert 'segment_raster.py: error: --bands [1, 2] selects 2 band(s) of ' \
        in bad.stderr and 'Traceback' not in bad.stderr


# --------------------------------------------------------------------------
# classification over a grid
# --------------------------------------------------------------------------
@pytest.fixture(scope='module')
def classifier(tmp_path_factory):
    """(config, checkpoint) of the EuroSAT MobileNetV2-w0.25 student
    (random weights)."""
    from rskd_mm.apis import init_model
    cfg = osp.join(REPO_ROOT, 'configs', 'baselines',
                   'mobilenetv2-w025_1xb64-3e_eurosat-64px.py')
    torch.manual_seed(0)
    wrapper, _, _ = init_model(cfg)
    ckpt = tmp_path_factory.mktemp('cls') / 'mnv2.pth'
    torch.save({'state_dict': wrapper.model.state_dict()}, ckpt)
    return cfg, str(ckpt)


def test_classify_raster_grid_and_geotransform(tmp_path, classifier):
    from rskd_mm.apis import classify_raster
    from rskd_mm.apis.model import init_model
    img = smooth_image(150, 200, seed=4)
    img[:, :64, :64] = 0  # one whole nodata tile
    src = write_raster(tmp_path / 'scene.tif', img, nodata=0)
    out = tmp_path / 'classes.tif'
    res = classify_raster(
        *classifier, str(src), str(out), tile=64, stride=32, progress=False)
    # tiles fully inside: (150 - 64) // 32 + 1 rows, (200 - 64) // 32 + 1
    assert (res['height'], res['width']) == (3, 5)
    with rasterio.open(out) as o:
        assert o.crs == rasterio.crs.CRS.from_string(CRS)
        # pixel (0, 0) is centred on the first tile's centre (32, 32)
        cx, cy = o.transform @ (0.5, 0.5)
        assert (cx, cy) == TRANSFORM @ (32, 32)
        assert o.transform.a == 32 * TRANSFORM.a
        assert o.tags()['CLASS_1'] == 'Forest'
        labels, conf = o.read(1), o.read(2)
        assert o.scales[1] == pytest.approx(1 / 255)
    assert labels[0, 0] == 255 and conf[0, 0] == 0
    # every other tile equals the classifier on that window
    wrapper, _, _ = init_model(*classifier)
    with torch.no_grad():
        x = torch.from_numpy(img[:, 64:128, 96:160].astype(np.float32))
        p = wrapper(x[None]).softmax(1)[0]
    assert labels[2, 3] == int(p.argmax())
    assert abs(int(conf[2, 3]) - float(p.max()) * 255) <= 0.5 + 1e-3


def test_classify_refuses_a_segmentor(tmp_path, pointwise):
    from rskd_mm.apis import RasterInputError, classify_raster
    src = write_raster(tmp_path / 'in.tif', smooth_image(64, 64))
    with pytest.raises(RasterInputError, match='is a segmentor'):
        classify_raster(*pointwise, str(src), str(tmp_path / 'o.tif'))


# --------------------------------------------------------------------------
# the tools around the raster API
# --------------------------------------------------------------------------
def run(args, timeout=600):
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=REPO_ROOT,
        env=subprocess_env(PYTHONPATH=REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def test_tiles_to_geotiff_mosaic_and_masks(tmp_path):
    from PIL import Image
    imgs = []
    (tmp_path / 'ann').mkdir()
    for i, (w, h) in enumerate([(40, 30), (36, 30), (40, 28)]):
        img = smooth_image(h, w, seed=i).transpose(1, 2, 0)
        Image.fromarray(img).save(tmp_path / f't{i}.jpg')
        mask = np.full((h, w), i, np.uint8)
        Image.fromarray(mask).save(tmp_path / 'ann' / f't{i}.png')
        imgs.append(str(tmp_path / f't{i}.jpg'))
    out = tmp_path / 'scene.tif'
    run([
        'tools/dataset_converters/tiles_to_geotiff.py', '--images', *imgs,
        '--masks-dir',
        str(tmp_path / 'ann'), '--cols', '2', '--scale', '0.5', '--out',
        str(out)
    ])
    with rasterio.open(out) as s, rasterio.open(tmp_path /
                                                'scene_mask.tif') as m:
        assert s.crs == m.crs and s.crs.to_epsg() == 32640
        assert s.transform == m.transform and s.transform.a == 0.6
        # 2 columns x 2 rows of 20 x 15 cells
        assert (s.width, s.height) == (40, 30) == (m.width, m.height)
        assert s.tags()['GEOREFERENCE'] == 'demonstration'
        img, mask = s.read(), m.read(1)
    assert (mask[:15, :20] == 0).all() and (mask[:15, 20:38] == 1).all()
    assert (mask[:15, 38:] == 255).all()  # the narrower tile's gap
    assert (mask[15:29, :20] == 2).all() and (mask[15:, 20:] == 255).all()
    assert (img[:, 15:, 20:] == 0).all() and (img[:, :15, :20] > 0).all()


def test_plot_map_and_raster_benchmark(tmp_path, pointwise):
    cfg, ckpt = pointwise
    out = run([
        'tools/analysis_tools/benchmark_raster.py', cfg, ckpt, '--sizes',
        '100', '150', '--tile', '64', '--overlap', '16', '--work-dir',
        str(tmp_path), '--json',
        str(tmp_path / 'b.json')
    ])
    assert '| 150 x 150 | 0 | 9 |' in out  # 3 x 3 tiles
    import json
    rows = json.load(open(tmp_path / 'b.json'))
    assert [r['size'] for r in rows] == [100, 150]
    assert all(r['georef_identical'] and r['peak_rss_mib'] > 50 for r in rows)
    png = tmp_path / 'fig.png'
    run([
        'tools/inference/plot_map.py',
        str(tmp_path / 'scene_150.tif'),
        str(tmp_path / 'map_150.tif'),
        str(png), '--reference',
        str(tmp_path / 'map_100.tif'), '--max-size', '64'
    ])
    from PIL import Image
    assert Image.open(png).size[0] > Image.open(png).size[1] > 100


@pytest.mark.parametrize('block_width', [60, 100, 300])
def test_column_blocks_do_not_change_the_map(tmp_path, pointwise, predictor,
                                             block_width):
    """Column blocks (which bound the memory) give the same map and
    probabilities as one block over the whole width, seams included."""
    from rskd_mm.apis import segment_raster
    from rskd_mm.apis.raster import _column_blocks, _starts
    img = smooth_image(90, 700, seed=7)
    img[:, 10:20, 290:330] = 0  # nodata across a seam
    src = write_raster(tmp_path / 'wide.tif', img, nodata=0)
    out = {}
    for name, bw in (('one', 10**6), ('blocks', block_width)):
        res = segment_raster(
            *pointwise,
            str(src),
            str(tmp_path / f'{name}.tif'),
            tile=48,
            overlap=20,
            probs=str(tmp_path / f'{name}_p.tif'),
            block_width=bw,
            progress=False,
            predictor=predictor)
        out[name] = (read(tmp_path / f'{name}.tif'),
                     read(tmp_path / f'{name}_p.tif'), res)
    assert out['one'][2]['column_blocks'] == 1
    assert out['blocks'][2]['column_blocks'] > 1
    assert np.array_equal(out['one'][0], out['blocks'][0])
    assert np.array_equal(out['one'][1], out['blocks'][1])
    # the blocks tile the output columns exactly
    xs = _starts(700, 48, 28)
    blocks = _column_blocks(xs, 700, 48, 28, block_width)
    assert blocks[0][2] == 0 and blocks[-1][3] == 700
    assert all(a[3] == b[2] for a, b in zip(blocks, blocks[1:]))


def test_one_band_raster_hint_works(tmp_path, pointwise, predictor):
    """The error for a 1-band raster suggests --bands 1,1,1, which works."""
    import re

    from rskd_mm.apis import RasterInputError, segment_raster
    gray = smooth_image(64, 80, seed=4)[:1]
    src = write_raster(tmp_path / 'gray.tif', gray)
    common = dict(tile=32, overlap=8, progress=False, predictor=predictor)
    with pytest.raises(RasterInputError, match=r'gray\.tif has 1 band') as e:
        segment_raster(*pointwise, str(src), str(tmp_path / 'a.tif'), **common)
    hint = re.search(r'--bands ([\d,]+)', str(e.value)).group(1)
    assert hint == '1,1,1'
    segment_raster(
        *pointwise,
        str(src),
        str(tmp_path / 'a.tif'),
        bands=[int(b) for b in hint.split(',')],
        **common)
    assert read(tmp_path / 'a.tif', 1).shape == (64, 80)
