# Copyright (c) rskd_mm contributors. All rights reserved.
"""Mosaic image tiles (and their label masks) into one georeferenced
GeoTIFF, e.g. to try the raster tools on a data set that comes as tiles.

    python tools/dataset_converters/tiles_to_geotiff.py \
        --images ../shared/data/dubai_aerial/img_dir/tile3_image_part_00*.jpg \
        --masks-dir ../shared/data/dubai_aerial/ann_dir \
        --cols 3 --scale 0.5625 --out work_dirs/scene/dubai_tile3.tif

The tiles are laid out row by row on a grid of ``--cols`` columns (each grid
cell as large as the largest tile; gaps are nodata), after resizing by
``--scale`` (bilinear for images, nearest for masks). The raster gets a
**demonstration georeference** (default: EPSG:32640, UTM 40N over Dubai,
origin ``--origin``, ``--pixel-size`` metres / ``--scale``), written to its
metadata as ``GEOREFERENCE=demonstration``: the tiles' true positions are
not known, and neighbouring tiles need not be neighbours on the ground.
With ``--masks-dir`` the masks (same stem, ``.png``) are mosaicked into a
second GeoTIFF (``OUT_mask.tif``, 255 = not annotated / gap) on the same
grid. Both files are tiled, deflate-compressed and written atomically.
"""
import argparse
import math
import os
import os.path as osp

import numpy as np

IMAGE_NODATA = 0
MASK_NODATA = 255


def _read(path, scale, nearest):
    from PIL import Image
    if not osp.isfile(path):
        raise FileNotFoundError(f'tile not found: {path}')
    img = Image.open(path)
    img = img.convert('L' if nearest else 'RGB')
    if scale != 1:
        size = (max(1,
                    round(img.width * scale)), max(1,
                                                   round(img.height * scale)))
        img = img.resize(size, Image.NEAREST if nearest else Image.BILINEAR)
    a = np.asarray(img)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def _write(path, data, crs, transform, nodata, note):
    import rasterio
    tmp = osp.join(
        osp.dirname(osp.abspath(path)),
        f'.{osp.basename(path)}.tmp{os.getpid()}.tif')
    profile = dict(
        driver='GTiff',
        height=data.shape[1],
        width=data.shape[2],
        count=data.shape[0],
        dtype='uint8',
        crs=crs,
        transform=transform,
        nodata=nodata,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress='deflate')
    try:
        with rasterio.open(tmp, 'w', **profile) as dst:
            dst.write(data)
            dst.update_tags(GEOREFERENCE='demonstration', SOURCE=note)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def mosaic(images,
           out,
           cols=3,
           scale=1.0,
           masks_dir=None,
           crs='EPSG:32640',
           origin=(500000.0, 2800000.0),
           pixel_size=0.3):
    """Write the mosaic of ``images`` to ``out`` (and its mask mosaic);
    returns the written paths."""
    from rasterio.transform import from_origin

    from rskd_mm.apis import RasterInputError
    if not images:
        raise RasterInputError('no tiles given (--images)')
    if cols < 1 or scale <= 0:
        raise RasterInputError(f'--cols {cols} and --scale {scale} must be '
                               'positive')
    tiles = [_read(p, scale, False) for p in images]
    masks = None
    if masks_dir:
        masks = [
            _read(
                osp.join(masks_dir,
                         osp.splitext(osp.basename(p))[0] + '.png'), scale,
                True) for p in images
        ]
        for p, t, m in zip(images, tiles, masks):
            if t.shape[1:] != m.shape[1:]:
                raise RasterInputError(f'{p}: image {t.shape[1:]} and mask '
                                       f'{m.shape[1:]} differ in size')
    ch = max(t.shape[1] for t in tiles)
    cw = max(t.shape[2] for t in tiles)
    rows = math.ceil(len(tiles) / cols)
    img = np.full((3, rows * ch, cols * cw), IMAGE_NODATA, np.uint8)
    msk = np.full((1, rows * ch, cols * cw), MASK_NODATA, np.uint8)
    for i, t in enumerate(tiles):
        y, x = (i // cols) * ch, (i % cols) * cw
        # 0 is nodata: a real black pixel becomes 1
        img[:, y:y + t.shape[1], x:x + t.shape[2]] = np.maximum(t, 1)
        if masks is not None:
            msk[:, y:y + t.shape[1], x:x + t.shape[2]] = masks[i]
    transform = from_origin(origin[0], origin[1], pixel_size / scale,
                            pixel_size / scale)
    note = ', '.join(osp.basename(p) for p in images)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    _write(out, img, crs, transform, IMAGE_NODATA, note)
    written = [out]
    if masks is not None:
        mask_out = osp.splitext(out)[0] + '_mask.tif'
        _write(mask_out, msk, crs, transform, MASK_NODATA, note)
        written.append(mask_out)
    return written


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', nargs='+', required=True)
    p.add_argument('--masks-dir')
    p.add_argument('--out', required=True)
    p.add_argument('--cols', type=int, default=3)
    p.add_argument('--scale', type=float, default=1.0)
    p.add_argument('--crs', default='EPSG:32640')
    p.add_argument(
        '--origin', type=float, nargs=2, default=[500000.0, 2800000.0])
    p.add_argument(
        '--pixel-size',
        type=float,
        default=0.3,
        help='ground size of a source pixel in CRS units')
    return p.parse_args(argv)


def main(argv=None):
    from rskd_mm.utils.paths import check_outputs
    args = parse_args(argv)
    inputs = {f'image {p}': p for p in args.images}
    if args.masks_dir:
        inputs.update({
            f'mask {n}': osp.join(args.masks_dir, n)
            for n in os.listdir(args.masks_dir)
        } if osp.isdir(args.masks_dir) else {})
    check_outputs(
        inputs, {
            '--out': args.out,
            'mask output': osp.splitext(args.out)[0] + '_mask.tif'
        },
        prog='tiles_to_geotiff')
    for path in mosaic(
            sorted(args.images), args.out, args.cols, args.scale,
            args.masks_dir, args.crs, tuple(args.origin), args.pixel_size):
        print(path)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
