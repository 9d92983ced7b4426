# Copyright (c) rskd_mm contributors. All rights reserved.
"""Map a georeferenced raster by scene class: a classifier over a grid of
tiles, written as a class map with one pixel per tile.

    python tools/inference/classify_raster.py CONFIG CHECKPOINT IN.tif OUT.tif
        [--tile 64] [--stride 64] [--batch-size 64] [--input-size H W]
        [--bands 1,2,3] [--scale ...] [--backend {pytorch,onnxruntime}]

OUT.tif: band 1 the class (uint8, colour table, 255 = nodata), band 2 the
confidence (top-1 probability x 255, band scale 1/255), in the input's CRS
with a geotransform of ``--stride`` input pixels per output pixel, each
output pixel centred on its tile. Tiles are resized to the size the
config's test pipeline feeds the model (``--input-size`` overrides it).
See docs/inference.md.
"""
import argparse
import json

import rskd_mm  # noqa: F401  (compat layer, registries)
from rskd_mm.utils.cli import add_raster_args, apply_trust_arg


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_raster_args(p)
    p.add_argument('--tile', type=int, default=64, help='tile size in px')
    p.add_argument(
        '--stride',
        type=int,
        help='px between tile origins (default: the tile size)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='the model\'s input size (default: the config\'s test size)')
    return p.parse_args(argv)


def main(argv=None):
    from rskd_mm.apis import classify_raster
    args = parse_args(argv)
    apply_trust_arg(args)
    result = classify_raster(
        args.config,
        args.checkpoint,
        args.input,
        args.output,
        tile=args.tile,
        stride=args.stride,
        batch_size=args.batch_size,
        device=args.device,
        bands=args.bands,
        scale=args.scale,
        input_hw=args.input_size,
        backend=args.backend,
        allow_ungeoreferenced=args.allow_ungeoreferenced,
        progress=not args.no_progress,
        cfg_options=args.cfg_options)
    print(json.dumps(result))


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
