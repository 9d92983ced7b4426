# Copyright (c) rskd_mm contributors. All rights reserved.
"""Whole-scene inference on georeferenced rasters (GeoTIFF and anything
GDAL reads), with ``rasterio``.

* :func:`segment_raster`: a segmentation model over overlapping tiles whose
  class probabilities are blended, written as a one-band ``uint8`` class map
  with the input's CRS, transform and size.
* :func:`classify_raster`: a scene classifier over a grid of tiles, written
  as a class map with one pixel per tile (its own geotransform) plus a
  confidence band.

Memory does not grow with the raster: it is processed in column blocks of
about ``block_width`` px, each read one strip of tiles at a time (windowed
reads), and the blended scores live in a rolling buffer one tile high and
one block wide; finished rows are written at once (GDAL's block cache is
capped, see ``gdal_cache_mb``). The tiles over a seam between two blocks
are predicted by both, so the result does not depend on the block width.

Blending: each tile's softmax probabilities are weighted by a separable
ramp that rises linearly over ``overlap`` pixels from every tile edge
(weight ``(i + 0.5) / overlap``, 1 inside), and each pixel gets the
weighted mean over the tiles that cover it. With a model whose prediction
at a pixel depends only on that pixel, the tiled map equals a single pass
exactly; with a real CNN or transformer it differs where the context seen
by the tiles differs (the receptive field cut at tile edges): see the
measured agreement in ``docs/inference.md``.
"""
import json
import math
import os
import os.path as osp
import time
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch

from rskd_mm.utils.paths import check_outputs
from .model import RasterInputError, init_model, input_size

__all__ = ['segment_raster', 'classify_raster', 'load_predictor']

NODATA_CLASS = 255


def _rasterio():
    try:
        import rasterio
    except ImportError as exc:  # pragma: no cover - in requirements
        raise ImportError('the raster tools need rasterio: pip install -r '
                          'requirements/deploy.txt') from exc
    return rasterio


# --------------------------------------------------------------------------
# Predictors: float pixels (N, C, H, W) -> class probabilities (numpy)
# --------------------------------------------------------------------------
class TorchPredictor:
    """A :class:`~rskd_mm.apis.InferenceModel` on ``device``."""

    backend = 'pytorch'

    def __init__(self, wrapper, device='cpu'):
        self.wrapper = wrapper.to(device).eval()
        self.device = device

    @torch.no_grad()
    def __call__(self, batch: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device)
        return self.wrapper(x).float().softmax(1).cpu().numpy()


class OnnxPredictor:
    """An ONNX model written by ``tools/deployment/pytorch2onnx.py`` (same
    input and output as :class:`~rskd_mm.apis.InferenceModel`)."""

    backend = 'onnxruntime'

    def __init__(self, path: str, device: str = 'cpu'):
        import onnxruntime as ort
        if not osp.isfile(path):
            raise FileNotFoundError(f'ONNX model not found: {path}')
        providers = ['CPUExecutionProvider']
        if str(device).startswith('cuda'):
            providers.insert(0, 'CUDAExecutionProvider')
        try:
            self.session = ort.InferenceSession(path, providers=providers)
        except Exception as exc:  # noqa: BLE001 - re-raised with the file
            raise RasterInputError(
                f'{path}: not a readable ONNX model ({type(exc).__name__}: '
                f'{str(exc).splitlines()[0] if str(exc) else ""})') from exc
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        logits = self.session.run(
            None,
            {self.input_name: np.ascontiguousarray(batch, np.float32)})[0]
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


def _check_onnx_fits(predictor, path, info, in_channels):
    """The ONNX model's input bands and class count must be the config's
    (the config gives the class names and palette)."""
    inp = predictor.session.get_inputs()[0].shape
    out = predictor.session.get_outputs()[0].shape
    if len(inp) == 4 and isinstance(inp[1], int) and inp[1] != in_channels:
        raise RasterInputError(
            f'{path} takes {inp[1]} band(s) but the model of '
            f'{info["config"]} takes {in_channels}; is it the export of '
            'another config?')
    if len(out) >= 2 and isinstance(out[1], int) and \
            out[1] != info['num_classes']:
        raise RasterInputError(
            f'{path} gives {out[1]} classes but the model of '
            f'{info["config"]} has {info["num_classes"]}; is it the export '
            'of another config?')


def load_predictor(config: str,
                   checkpoint: str,
                   device: str = 'cpu',
                   backend: Optional[str] = None,
                   cfg_options: Optional[dict] = None):
    """``(predictor, cfg, info)`` for a PyTorch checkpoint or an ``.onnx``
    file (``backend`` ``'pytorch'`` / ``'onnxruntime'``; by default from the
    file's extension). The config gives the task, class names and palette
    in both cases."""
    if backend is None:
        backend = 'onnxruntime' if str(checkpoint).endswith(
            '.onnx') else 'pytorch'
    if backend not in ('pytorch', 'onnxruntime'):
        raise RasterInputError(f'unknown backend {backend!r} '
                               '(pytorch or onnxruntime)')
    if backend == 'onnxruntime':
        wrapper, cfg, info = init_model(config, None, 'cpu', cfg_options)
        predictor = OnnxPredictor(checkpoint, device)
        info['checkpoint'] = checkpoint
        _check_onnx_fits(predictor, checkpoint, info, wrapper.in_channels)
    else:
        wrapper, cfg, info = init_model(config, checkpoint, device,
                                        cfg_options)
        predictor = TorchPredictor(wrapper, device)
    info['in_channels'] = wrapper.in_channels
    info['backend'] = backend
    return predictor, cfg, info


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------
def _check_source(src, path: str, in_channels: int, bands, scale,
                  allow_ungeoreferenced: bool):
    """The 1-based band list and per-band scale for ``src``, or a clear
    error naming ``path`` and what does not fit."""
    if src.crs is None and not allow_ungeoreferenced:
        raise RasterInputError(
            f'{path}: not georeferenced (no coordinate reference system); '
            'the output could not be placed on a map. Georeference it '
            '(e.g. gdal_translate -a_srs -a_ullr) or pass '
            '--allow-ungeoreferenced to write pixel coordinates')
    if bands is None:
        if src.count != in_channels:
            # a hint that works on this raster: its own bands, the last one
            # repeated where it has fewer than the model takes
            hint = ','.join(
                str(min(i + 1, src.count)) for i in range(in_channels))
            also = (' (a single band is repeated for each of the model\'s '
                    'channels)' if src.count == 1 else '')
            raise RasterInputError(
                f'{path} has {src.count} band(s); the model takes '
                f'{in_channels}. Choose them with --bands (1-based, in the '
                f'model\'s R,G,B order), e.g. --bands {hint}{also}')
        bands = list(range(1, in_channels + 1))
    bands = [int(b) for b in bands]
    if len(bands) != in_channels:
        raise RasterInputError(
            f'--bands {bands} selects {len(bands)} band(s) of {path}; the '
            f'model takes {in_channels}')
    bad = [b for b in bands if not 1 <= b <= src.count]
    if bad:
        raise RasterInputError(f'{path} has bands 1..{src.count}; --bands '
                               f'asks for {bad}')
    dtypes = {src.dtypes[b - 1] for b in bands}
    if scale is None:
        if dtypes != {'uint8'}:
            raise RasterInputError(
                f'{path}: bands {bands} are {"/".join(sorted(dtypes))}, '
                'not uint8; give --scale (one factor, or one per band) '
                'that maps their values to the 0-255 range the model was '
                'trained on (e.g. --scale 0.0255 for reflectance x 10000)')
        scale = [1.0] * len(bands)
    scale = [
        float(s) for s in (scale if isinstance(scale, Sequence) else [scale])
    ]
    if len(scale) == 1:
        scale = scale * len(bands)
    if len(scale) != len(bands):
        raise RasterInputError(
            f'--scale has {len(scale)} values for {len(bands)} bands')
    return bands, np.asarray(scale, np.float32).reshape(-1, 1, 1)


def _starts(n: int, tile: int, stride: int):
    """Tile origins along an axis of length ``n``: every ``stride``, the
    last one flush with the end (windows at the right and bottom edges)."""
    if n <= tile:
        return [0]
    starts = list(range(0, n - tile, stride))
    return starts + [n - tile]


def _ramp(tile: int, overlap: int) -> np.ndarray:
    if overlap <= 0:
        return np.ones(tile, np.float32)
    i = np.arange(tile, dtype=np.float32)
    return np.minimum(
        1.0, np.minimum((i + 0.5) / overlap,
                        (tile - i - 0.5) / overlap)).astype(np.float32)


def _pad_to(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """Edge-pad the last two axes of ``a`` up to ``(h, w)``."""
    ph, pw = h - a.shape[-2], w - a.shape[-1]
    if ph <= 0 and pw <= 0:
        return a
    pad = [(0, 0)] * (a.ndim - 2) + [(0, max(ph, 0)), (0, max(pw, 0))]
    return np.pad(a, pad, mode='edge')


def _out_profile(src, **kw) -> dict:
    h, w = kw.get('height', src.height), kw.get('width', src.width)
    profile = dict(
        driver='GTiff',
        height=h,
        width=w,
        crs=src.crs,
        transform=src.transform,
        compress='deflate',
        predictor=1,
        BIGTIFF='IF_SAFER')
    if h >= 256 and w >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    profile.update(kw)
    return profile


def _tag_classes(dst, info, band=1, colormap=True):
    classes, palette = info['classes'], info['palette']
    if colormap:
        dst.write_colormap(
            band, {i: (*palette[i], 255)
                   for i in range(len(palette))})
    dst.update_tags(
        CLASSES=json.dumps(classes),
        PALETTE=json.dumps([list(p) for p in palette]),
        NODATA_CLASS=str(NODATA_CLASS),
        MODEL_CONFIG=osp.basename(str(info.get('config'))),
        MODEL_CHECKPOINT=osp.basename(str(info.get('checkpoint'))),
        **{f'CLASS_{i}': name
           for i, name in enumerate(classes)})


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm
    return tqdm(
        total=total,
        desc=desc,
        unit='tile',
        disable=not enabled,
        dynamic_ncols=True)


def _write_preview(map_path: str, path: str, palette, size: int = 1024):
    """A colour PNG of the class map, at most ``size`` px on its long side
    (read decimated from the written map)."""
    from PIL import Image
    from rasterio.enums import Resampling
    with _rasterio().open(map_path) as src:
        step = max(1, math.ceil(max(src.height, src.width) / size))
        labels = src.read(
            1,
            out_shape=(max(1, src.height // step), max(1, src.width // step)),
            resampling=Resampling.nearest)
    lut = np.zeros((256, 3), np.uint8)
    for i, p in enumerate(palette):
        lut[i] = p
    tmp = f'{path}.tmp{os.getpid()}.png'
    Image.fromarray(lut[labels]).save(tmp)
    os.replace(tmp, path)


def _env(gdal_cache_mb: int):
    return _rasterio().Env(GDAL_CACHEMAX=int(gdal_cache_mb) * 1024 * 1024)


def _atomic_target(path: str) -> str:
    d = osp.dirname(osp.abspath(path))
    os.makedirs(d, exist_ok=True)
    return osp.join(d, f'.{osp.basename(path)}.tmp{os.getpid()}.tif')


# --------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------
def segment_raster(config: str,
                   checkpoint: str,
                   in_path: str,
                   out_path: str,
                   tile: Optional[int] = None,
                   overlap: Optional[int] = None,
                   batch_size: int = 4,
                   device: str = 'cpu',
                   bands: Optional[Sequence[int]] = None,
                   scale: Union[None, float, Sequence[float]] = None,
                   probs: Optional[str] = None,
                   preview: Optional[str] = None,
                   backend: Optional[str] = None,
                   allow_ungeoreferenced: bool = False,
                   progress: bool = True,
                   cfg_options: Optional[dict] = None,
                   gdal_cache_mb: int = 64,
                   block_width: int = 4096,
                   predictor=None) -> Dict:
    """Segment the raster ``in_path`` into the class map ``out_path``.

    Args:
        config (str): the segmentation config (any mmseg model, DP-CTNet,
            the EDP-CTNet ``sub_model`` config with its ``fix_subnet``).
        checkpoint (str): its checkpoint (a plain one, or a distillation
            checkpoint whose student is used), or an ``.onnx`` file written
            by ``tools/deployment/pytorch2onnx.py``.
        tile (int): tile size in pixels (default: the test size of the
            config's pipeline, else 512).
        overlap (int): pixels shared by neighbouring tiles (default
            ``tile // 4``); their probabilities are blended.
        batch_size (int): tiles per forward pass.
        device (str): ``cpu`` or ``cuda[:i]``.
        bands (list[int]): 1-based bands in the model's R, G, B order
            (default: all, when their count is the model's).
        scale (float | list[float]): factor(s) mapping band values to the
            0-255 range (default 1 for ``uint8``; required otherwise).
        probs (str): also write the class probabilities here (one ``uint8``
            band per class, value = probability x 255, band scale 1/255).
        preview (str): also write a downsampled colour PNG of the map.
        backend (str): ``pytorch`` or ``onnxruntime`` (default: from the
            checkpoint's extension).
        allow_ungeoreferenced (bool): accept a raster without a CRS.
        block_width (int): the raster is processed in column blocks of
            about this many pixels (whole tiles; neighbouring blocks share
            the tiles that cover their seam, so the result does not depend
            on it), which bounds the memory for any raster size.
        predictor: an already loaded ``(predictor, cfg, info)`` (reused
            across rasters).

    Returns:
        dict: the output path, size, tiles predicted, seconds and tiles/s.
    """
    check_outputs(
        dict(config=config, checkpoint=checkpoint, input=in_path),
        dict(output=out_path, probs=probs, preview=preview),
        prog='segment_raster')
    rasterio = _rasterio()
    if predictor is None:
        predictor = load_predictor(config, checkpoint, device, backend,
                                   cfg_options)
    predict, cfg, info = predictor
    if info['task'] != 'seg':
        raise RasterInputError(
            f'{info["config"]} is a classifier; use classify_raster '
            '(tools/inference/classify_raster.py) for scene classification')
    if tile is None:
        size = input_size(cfg, 'seg')
        tile = max(size) if size else 512
    tile = int(tile)
    overlap = tile // 4 if overlap is None else int(overlap)
    if not 0 <= overlap < tile:
        raise RasterInputError(
            f'--overlap {overlap} must be in [0, tile={tile})')
    stride = tile - overlap
    if not osp.isfile(in_path):
        raise FileNotFoundError(f'raster not found: {in_path}')
    K = info['num_classes']
    t0 = time.perf_counter()
    with _env(gdal_cache_mb), rasterio.open(in_path) as src:
        band_list, band_scale = _check_source(src, in_path,
                                              info['in_channels'], bands,
                                              scale, allow_ungeoreferenced)
        H, W = src.height, src.width
        ys, xs = _starts(H, tile, stride), _starts(W, tile, stride)
        ramp_y = _ramp(tile, overlap if len(ys) > 1 else 0)
        ramp_x = _ramp(tile, overlap if len(xs) > 1 else 0)
        weight = ramp_y[:, None] * ramp_x[None, :]
        blocks = _column_blocks(xs, W, tile, stride, block_width)
        tmp_out = _atomic_target(out_path)
        tmp_probs = _atomic_target(probs) if probs else None
        n_tiles = len(ys) * sum(c1 - c0 + 1 for c0, c1, _, _ in blocks)
        bar = _progress(n_tiles, osp.basename(in_path), progress)
        dst = pdst = None
        try:
            dst = rasterio.open(
                tmp_out, 'w',
                **_out_profile(
                    src, count=1, dtype='uint8', nodata=NODATA_CLASS))
            pdst = rasterio.open(
                tmp_probs, 'w', **_out_profile(
                    src, count=K, dtype='uint8', nodata=None)) \
                if probs else None
            for block in blocks:
                _segment_block(src, band_list, band_scale, predict, K, tile,
                               ys, xs, block, weight, batch_size, dst, pdst,
                               bar)
            _tag_classes(dst, info)
            dst.set_band_description(1, 'class')
            dst.close()
            if pdst is not None:
                pdst.scales = [1 / 255.0] * K
                for i, name in enumerate(info['classes']):
                    pdst.set_band_description(i + 1, f'p({name})')
                _tag_classes(pdst, info, colormap=False)
                pdst.close()
        except BaseException:
            for f in (dst, pdst):
                if f is not None and not f.closed:
                    f.close()
            for f in (tmp_out, tmp_probs):
                if f and osp.exists(f):
                    os.remove(f)
            raise
        finally:
            bar.close()
    os.replace(tmp_out, out_path)
    if probs:
        os.replace(tmp_probs, probs)
    if preview:
        _write_preview(out_path, preview, info['palette'])
    seconds = time.perf_counter() - t0
    return dict(
        out=out_path,
        height=H,
        width=W,
        tiles=n_tiles,
        tile=tile,
        overlap=overlap,
        column_blocks=len(blocks),
        seconds=seconds,
        tiles_per_s=n_tiles / max(seconds, 1e-9),
        backend=info['backend'])


def _column_blocks(xs, W: int, tile: int, stride: int, max_width: int):
    """Split the tile columns into blocks of about ``max_width`` px:
    ``(first, last, out_x0, out_x1)`` with tile-column indices and the
    output columns each block finalises. Output column ``x`` only depends
    on the tiles that cover it, so a block holding every tile that covers
    ``[out_x0, out_x1)`` gives exactly the whole-width result there; the
    tiles over a seam are predicted by both blocks. Seams are put on
    multiples of 256 (the output's block size) where possible."""
    n = len(xs)
    # enough columns per block that every block moves forward
    per = max((max_width - tile) // stride + 1, -(-tile // stride) + 1)
    blocks, c0, out0 = [], 0, 0
    while True:
        c1 = min(n - 1, c0 + per - 1)
        if c1 == n - 1:
            blocks.append((c0, c1, out0, W))
            return blocks
        exact = xs[c1 + 1]  # pixels < xs[c1 + 1] need tiles <= c1 only
        out1 = exact // 256 * 256
        if out1 <= max(out0, xs[c0]):
            out1 = exact
        blocks.append((c0, c1, out0, out1))
        c0 = next(j for j in range(n) if xs[j] + tile > out1)
        out0 = out1


def _segment_block(src, band_list, band_scale, predict, K, tile, ys, xs, block,
                   weight, batch_size, dst, pdst, bar):
    """Predict the tiles of one column block strip by strip, blend them in a
    rolling buffer one tile high, and write each strip's finished rows."""
    from rasterio.windows import Window
    c0, c1, out0, out1 = block
    H, W = src.height, src.width
    bx = xs[c0]
    bw = min(xs[c1] + tile, W) - bx
    acc = np.zeros((K, tile, bw), np.float32)
    wsum = np.zeros((tile, bw), np.float32)
    for j, y in enumerate(ys):
        h = min(tile, H - y)
        window = Window(bx, y, bw, h)
        data = src.read(band_list, window=window)
        valid = src.dataset_mask(window=window) > 0
        batch, places = [], []
        for c in range(c0, c1 + 1):
            x = xs[c] - bx
            w = min(tile, bw - x)
            v = valid[:, x:x + w]
            if not v.any():
                bar.update(1)
                continue  # all nodata: nothing to predict
            t = data[:, :, x:x + w].astype(np.float32) * band_scale
            if not v.all():  # nodata -> the band mean (a neutral value)
                mean = t[:, v].mean(axis=1)
                t = np.where(v[None], t, mean[:, None, None])
            batch.append(_pad_to(t, tile, tile))
            places.append((x, h, w))
            if len(batch) == batch_size:
                _accumulate(predict, batch, places, acc, wsum, weight)
                bar.update(len(batch))
                batch, places = [], []
        if batch:
            _accumulate(predict, batch, places, acc, wsum, weight)
            bar.update(len(batch))
        # rows [y, next_y) are final: no later tile covers them
        next_y = ys[j + 1] if j + 1 < len(ys) else H
        d = next_y - y
        a, b = out0 - bx, out1 - bx
        ws = wsum[:d, a:b]
        covered = ws > 0
        p = acc[:, :d, a:b] / np.where(covered, ws, 1.0)[None]
        labels = p.argmax(0).astype(np.uint8)
        mask = valid[:d, a:b] & covered
        labels[~mask] = NODATA_CLASS
        out_win = Window(out0, y, out1 - out0, d)
        dst.write(labels[None], window=out_win)
        if pdst is not None:
            q = np.rint(p * 255).astype(np.uint8)
            q[:, ~mask] = 0
            pdst.write(q, window=out_win)
        acc[:, :tile - d] = acc[:, d:]
        acc[:, tile - d:] = 0
        wsum[:tile - d] = wsum[d:]
        wsum[tile - d:] = 0


def _accumulate(predict, batch, places, acc, wsum, weight):
    out = predict(np.stack(batch))  # (B, K, tile, tile)
    for p, (x, h, w) in zip(out, places):
        wt = weight[:h, :w]
        acc[:, :h, x:x + w] += p[:, :h, :w] * wt[None]
        wsum[:h, x:x + w] += wt


# --------------------------------------------------------------------------
# Scene classification over a grid
# --------------------------------------------------------------------------
def classify_raster(config: str,
                    checkpoint: str,
                    in_path: str,
                    out_path: str,
                    tile: int = 64,
                    stride: Optional[int] = None,
                    batch_size: int = 64,
                    device: str = 'cpu',
                    bands: Optional[Sequence[int]] = None,
                    scale: Union[None, float, Sequence[float]] = None,
                    input_hw: Optional[Sequence[int]] = None,
                    backend: Optional[str] = None,
                    allow_ungeoreferenced: bool = False,
                    progress: bool = True,
                    cfg_options: Optional[dict] = None,
                    gdal_cache_mb: int = 64,
                    predictor=None) -> Dict:
    """Classify every ``tile x tile`` window (every ``stride`` pixels) of
    ``in_path`` and write a georeferenced class map with one pixel per
    window: band 1 the class (``uint8``, colour table, 255 = nodata), band
    2 the confidence (top-1 probability x 255, band scale 1/255).

    Output pixel ``(r, c)`` covers input pixels ``[c * stride + o, c *
    stride + o + stride)`` with ``o = (tile - stride) / 2``: its centre is
    the window's centre. A window with more than half of its pixels
    nodata is nodata. Windows are resized to the size the config's test
    pipeline feeds the model (``input_hw`` overrides it).
    """
    check_outputs(
        dict(config=config, checkpoint=checkpoint, input=in_path),
        dict(output=out_path),
        prog='classify_raster')
    rasterio = _rasterio()
    from affine import Affine
    from rasterio.windows import Window
    if predictor is None:
        predictor = load_predictor(config, checkpoint, device, backend,
                                   cfg_options)
    predict, cfg, info = predictor
    if info['task'] != 'cls':
        raise RasterInputError(
            f'{info["config"]} is a segmentor; use segment_raster '
            '(tools/inference/segment_raster.py)')
    tile = int(tile)
    stride = tile if stride is None else int(stride)
    if tile <= 0 or stride <= 0:
        raise RasterInputError(f'--tile {tile} and --stride {stride} must '
                               'be positive')
    size = tuple(input_hw) if input_hw else (input_size(cfg, 'cls') or
                                             (tile, tile))
    if not osp.isfile(in_path):
        raise FileNotFoundError(f'raster not found: {in_path}')
    t0 = time.perf_counter()
    with _env(gdal_cache_mb), rasterio.open(in_path) as src:
        band_list, band_scale = _check_source(src, in_path,
                                              info['in_channels'], bands,
                                              scale, allow_ungeoreferenced)
        H, W = src.height, src.width
        if H < tile or W < tile:
            raise RasterInputError(
                f'{in_path} is {W}x{H} px, smaller than one --tile {tile}')
        ny, nx = (H - tile) // stride + 1, (W - tile) // stride + 1
        off = (tile - stride) / 2.0
        transform = src.transform @ Affine.translation(
            off, off) @ Affine.scale(stride)
        profile = _out_profile(
            src,
            height=ny,
            width=nx,
            transform=transform,
            count=2,
            dtype='uint8',
            nodata=NODATA_CLASS)
        tmp_out = _atomic_target(out_path)
        bar = _progress(ny * nx, osp.basename(in_path), progress)
        try:
            with rasterio.open(tmp_out, 'w', **profile) as dst:
                for r in range(ny):
                    y = r * stride
                    window = Window(0, y, (nx - 1) * stride + tile, tile)
                    data = src.read(
                        band_list, window=window).astype(np.float32)
                    data *= band_scale
                    valid = src.dataset_mask(window=window) > 0
                    labels = np.full(nx, NODATA_CLASS, np.uint8)
                    conf = np.zeros(nx, np.uint8)
                    cols = [
                        c for c in range(nx)
                        if valid[:, c * stride:c * stride + tile].mean() >= .5
                    ]
                    for b in range(0, len(cols), batch_size):
                        chunk = cols[b:b + batch_size]
                        x = np.stack([
                            data[:, :, c * stride:c * stride + tile]
                            for c in chunk
                        ])
                        if x.shape[-2:] != size:
                            x = torch.nn.functional.interpolate(
                                torch.from_numpy(x),
                                size=size,
                                mode='bilinear',
                                align_corners=False).numpy()
                        p = predict(x)
                        labels[chunk] = p.argmax(1)
                        conf[chunk] = np.rint(p.max(1) * 255)
                    bar.update(nx)
                    win = Window(0, r, nx, 1)
                    dst.write(labels[None], 1, window=win)
                    dst.write(conf[None], 2, window=win)
                _tag_classes(dst, info)
                dst.set_band_description(1, 'class')
                dst.set_band_description(2, 'confidence')
                dst.scales = [1.0, 1 / 255.0]
        except BaseException:
            if osp.exists(tmp_out):
                os.remove(tmp_out)
            raise
        finally:
            bar.close()
    os.replace(tmp_out, out_path)
    seconds = time.perf_counter() - t0
    return dict(
        out=out_path,
        height=ny,
        width=nx,
        tiles=ny * nx,
        seconds=seconds,
        tiles_per_s=ny * nx / max(seconds, 1e-9),
        backend=info['backend'])
