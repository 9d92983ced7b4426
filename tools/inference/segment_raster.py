# Copyright (c) rskd_mm contributors. All rights reserved.
"""Segment a whole georeferenced raster (GeoTIFF, any size) with a
segmentation config and checkpoint (or an ONNX model).

    python tools/inference/segment_raster.py CONFIG CHECKPOINT IN.tif OUT.tif
        [--tile 384] [--overlap 96] [--batch-size 4] [--device cpu]
        [--bands 1,2,3] [--scale 0.0255] [--probs PROBS.tif]
        [--preview MAP.png] [--backend {pytorch,onnxruntime}]

OUT.tif: one uint8 band of class indices (255 = nodata) with the input's
CRS, transform and size, tiled and deflate-compressed, the class palette as
its colour table and the class names in its metadata (``CLASSES``,
``CLASS_<i>``). CHECKPOINT may be a plain checkpoint, a distillation
checkpoint (its student is used) or an ``.onnx`` file from
``tools/deployment/pytorch2onnx.py`` (with the same CONFIG). The raster is
read one strip of tiles at a time: memory does not grow with its size.
See docs/inference.md.
"""
import argparse
import json

import rskd_mm  # noqa: F401  (compat layer, registries)
from rskd_mm.utils.cli import add_raster_args, apply_trust_arg


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_raster_args(p)
    p.add_argument(
        '--tile',
        type=int,
        help='tile size in px (default: the config\'s test size, else 512)')
    p.add_argument(
        '--overlap',
        type=int,
        help='px shared by neighbouring tiles, blended (default: tile/4)')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument(
        '--probs',
        help='also write the class probabilities (uint8 x 255, one band per '
        'class) to this GeoTIFF')
    p.add_argument(
        '--preview', help='also write a downsampled PNG of the class map')
    p.add_argument(
        '--block-width',
        type=int,
        default=4096,
        help='px per column block (bounds the memory; the map does not '
        'depend on it)')
    return p.parse_args(argv)


def main(argv=None):
    from rskd_mm.apis import segment_raster
    args = parse_args(argv)
    apply_trust_arg(args)
    result = segment_raster(
        args.config,
        args.checkpoint,
        args.input,
        args.output,
        tile=args.tile,
        overlap=args.overlap,
        batch_size=args.batch_size,
        device=args.device,
        bands=args.bands,
        scale=args.scale,
        probs=args.probs,
        preview=args.preview,
        backend=args.backend,
        allow_ungeoreferenced=args.allow_ungeoreferenced,
        progress=not args.no_progress,
        block_width=args.block_width,
        cfg_options=args.cfg_options)
    print(json.dumps(result))


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
