# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: whole-scene segmentation memory and speed against raster size.

    python tools/analysis_tools/benchmark_raster.py CONFIG CHECKPOINT \
        [--sizes 5000 10000] [--source SCENE.tif] [--tile 384] \
        [--overlap 96] [--batch-size 4] [--work-dir DIR] \
        [--cfg-options k=v ...] [--json out.json]

For every size S a 3-band uint8 GeoTIFF of S x S px is written (the
``--source`` raster repeated, else a smooth synthetic image; written one
strip at a time, tiled and compressed, with a demonstration CRS and
transform), then segmented by ``tools/inference/segment_raster.py`` in a
child process. The child's peak resident memory (``ru_maxrss`` from
``wait4``, so only that process), its wall time and tiles/s are printed as a
table, and the output's CRS, transform and size are compared with the
input's.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'inference', 'segment_raster.py')


def write_scene(path, size, source=None, strip=512):
    """An S x S 3-band uint8 GeoTIFF, written strip by strip."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window
    if source:
        with rasterio.open(source) as src:
            tile = src.read([1, 2, 3])
    else:
        import torch
        rng = np.random.default_rng(0)
        coarse = torch.from_numpy(rng.uniform(0, 255, (1, 3, 12, 12)))
        tile = torch.nn.functional.interpolate(
            coarse, size=(1024, 1024), mode='bicubic',
            align_corners=False)[0].clamp(0, 255).numpy().astype(np.uint8)
    th, tw = tile.shape[1:]
    profile = dict(
        driver='GTiff',
        height=size,
        width=size,
        count=3,
        dtype='uint8',
        crs='EPSG:32640',
        transform=from_origin(500000.0, 2800000.0, 0.5, 0.5),
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress='deflate',
        BIGTIFF='IF_SAFER')
    with rasterio.open(path, 'w', **profile) as dst:
        dst.update_tags(NOTE='demonstration georeference')
        for y in range(0, size, strip):
            h = min(strip, size - y)
            rows = (np.arange(y, y + h) % th)
            cols = (np.arange(size) % tw)
            dst.write(tile[:, rows][:, :, cols], window=Window(0, y, size, h))


def run_child(cmd):
    """Run ``cmd``; its exit code, wall seconds, peak RSS (MiB), output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    return (proc.returncode, time.perf_counter() - t0,
            usage.ru_maxrss / 1024.0, out)


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--sizes', type=int, nargs='+', default=[5000, 10000])
    p.add_argument('--source', help='a 3-band raster to repeat')
    p.add_argument('--tile', type=int, default=384)
    p.add_argument('--overlap', type=int, default=96)
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--work-dir', default='work_dirs/benchmark_raster')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    p.add_argument('--json')
    return p.parse_args(argv)


def main(argv=None):
    import rasterio
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for size in args.sizes:
        src = osp.join(args.work_dir, f'scene_{size}.tif')
        out = osp.join(args.work_dir, f'map_{size}.tif')
        if not osp.isfile(src):
            write_scene(src, size, args.source)
        cmd = [
            sys.executable, TOOL, args.config, args.checkpoint, src, out,
            '--tile',
            str(args.tile), '--overlap',
            str(args.overlap), '--batch-size',
            str(args.batch_size), '--no-progress'
        ]
        if args.cfg_options:
            cmd += ['--cfg-options'
                    ] + [f'{k}={v}' for k, v in args.cfg_options.items()]
        code, seconds, rss, log = run_child(cmd)
        if code != 0:
            raise RuntimeError(f'segment_raster.py failed on {src}:\n'
                               f'{log[-3000:]}')
        result = json.loads(
            next(ln for ln in log.splitlines() if ln.startswith('{"out"')))
        with rasterio.open(src) as a, rasterio.open(out) as b:
            same = (
                a.crs == b.crs and a.transform == b.transform
                and a.shape == b.shape)
        rows.append(
            dict(
                size=size,
                megapixels=size * size / 1e6,
                tiles=result['tiles'],
                seconds=seconds,
                tiles_per_s=result['tiles_per_s'],
                peak_rss_mib=rss,
                georef_identical=same))
        print(f'measured {size} px', file=sys.stderr, flush=True)
    print(f'{osp.basename(args.config)}, tile {args.tile}, overlap '
          f'{args.overlap}, batch {args.batch_size}, CPU '
          f'({os.cpu_count()} cores)')
    print('| raster (px) | Mpx | tiles | wall (s) | tiles/s | '
          'peak RSS (MiB) | CRS, transform, size = input |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['size']} x {r['size']} | {r['megapixels']:.0f} | "
              f"{r['tiles']} | {r['seconds']:.0f} | {r['tiles_per_s']:.1f} "
              f"| {r['peak_rss_mib']:.0f} | "
              f"{'yes' if r['georef_identical'] else 'NO'} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
