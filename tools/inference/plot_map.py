# Copyright (c) rskd_mm contributors. All rights reserved.
"""Draw a raster, its class map (from segment_raster.py) and optionally a
reference mask side by side, with the class legend of the map.

    python tools/inference/plot_map.py IMAGE.tif MAP.tif OUT.png \
        [--reference MASK.tif] [--max-size 1200] [--title TEXT]

Large rasters are read decimated (rasterio's ``out_shape``), so any size
can be drawn. The class names and palette come from the map's metadata
(``CLASSES``, ``PALETTE``, written by the raster tools); nodata (255) is
drawn white.
"""
import argparse
import json
import math
import os
import os.path as osp

import numpy as np


def _read(path, max_size, bands=None, nearest=False):
    import rasterio
    from rasterio.enums import Resampling
    if not osp.isfile(path):
        raise FileNotFoundError(f'raster not found: {path}')
    with rasterio.open(path) as src:
        step = max(1, math.ceil(max(src.height, src.width) / max_size))
        shape = (src.height // step, src.width // step)
        idx = bands or list(range(1, src.count + 1))
        data = src.read(
            idx,
            out_shape=(len(idx), *shape),
            resampling=Resampling.nearest if nearest else Resampling.average)
        return data, src.tags()


def _colour(labels, palette):
    lut = np.full((256, 3), 255, np.uint8)
    for i, p in enumerate(palette):
        lut[i] = p
    return lut[labels]


def plot(image, class_map, out, reference=None, max_size=1200, title=None):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    img, _ = _read(image, max_size, bands=[1, 2, 3])
    labels, tags = _read(class_map, max_size, bands=[1], nearest=True)
    classes = json.loads(tags.get('CLASSES', '[]'))
    palette = json.loads(tags.get('PALETTE', '[]'))
    panels = [('image', img.transpose(1, 2, 0)),
              ('predicted classes', _colour(labels[0], palette))]
    if reference:
        ref, _ = _read(reference, max_size, bands=[1], nearest=True)
        panels.insert(1, ('reference', _colour(ref[0], palette)))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.6))
    for ax, (name, data) in zip(np.atleast_1d(axes), panels):
        ax.imshow(data, interpolation='nearest')
        ax.set_title(name)
        ax.axis('off')
    handles = [
        Patch(color=np.array(p) / 255.0, label=c)
        for c, p in zip(classes, palette)
    ]
    fig.legend(
        handles=handles,
        loc='lower center',
        ncol=min(len(handles), 6),
        frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    tmp = f'{out}.tmp{os.getpid()}.png'
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, out)
    return out


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('image')
    p.add_argument('class_map')
    p.add_argument('out')
    p.add_argument('--reference', help='a reference class mask (GeoTIFF)')
    p.add_argument('--max-size', type=int, default=1200)
    p.add_argument('--title')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    print(
        plot(args.image, args.class_map, args.out, args.reference,
             args.max_size, args.title))


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
