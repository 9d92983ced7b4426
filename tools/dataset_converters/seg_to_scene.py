# Copyright (c) rskd_mm contributors. All rights reserved.
"""Cut a segmentation data set into a scene-classification data set of
land-cover patches, labelled by the class that covers most of each patch.

    python tools/dataset_converters/seg_to_scene.py SRC DST \
        --class-names water land road building vegetation unlabeled \
        --keep water land building vegetation --val-prefix tile7 \
        --patch 64 --min-share 0.6 --per-class 300 80 400

SRC is a segmentation folder in the mmseg layout of the project's
segmentation configs: ``img_dir/<stem><img-suffix>``,
``ann_dir/<stem>.png`` (index masks, ``--ignore-index`` = not annotated)
and ``meta/train.txt`` / ``meta/val.txt`` (one stem per line). Every image
is cut into non-overlapping ``--patch`` x ``--patch`` squares; a square is
kept when at least 90% of it is annotated and one class of ``--keep``
covers at least ``--min-share`` of it, and it takes that class as label.

The splits follow SRC's split by image, so no image gives patches to two
splits: SRC's val stems become the test split; SRC's train stems starting
with ``--val-prefix`` (e.g. one whole tile) become the validation split,
the other train stems the training split. ``--per-class`` draws that many
patches of every kept class from each split (reproducible from
``--seed``); a class with fewer patches is an error that names it and its
count. DST gets the layout of ``run_benchmarks.py --suite scene``:
``images/<Class>/<stem>_y<row>_x<col>.png`` (only the drawn patches, PNG,
the source pixels unchanged), ``meta/classes.txt`` and
``meta/{train,val,test}.txt`` (``<Class>/<file> <label>``).

docs/results.md makes its Dubai land-cover set this way from
``../shared/data/dubai_aerial`` (the command above, into
``data/dubai_scene``): a scene data set the HMKD design was never tuned on.
"""
import argparse
import collections
import os
import os.path as osp
import random

import numpy as np
from PIL import Image

from rskd_mm.compat.atomic_files import atomic_write_bytes
from rskd_mm.datasets.annotation_check import AnnotationError

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='the segmentation data set folder')
    p.add_argument('dst', help='the scene data set folder (created)')
    p.add_argument(
        '--class-names',
        nargs='+',
        required=True,
        help='the names of the mask values 0, 1, 2, ... in order')
    p.add_argument(
        '--keep',
        nargs='+',
        help='the classes that become scene classes, in this label order '
        '(default: all of --class-names)')
    p.add_argument(
        '--val-prefix',
        required=True,
        help='SRC train stems starting with it become the validation split')
    p.add_argument('--patch', type=int, default=64)
    p.add_argument(
        '--min-share',
        type=float,
        default=0.6,
        help='the least share of a patch its class must cover (0-1]')
    p.add_argument(
        '--per-class',
        type=int,
        nargs=3,
        required=True,
        metavar=('TRAIN', 'VAL', 'TEST'))
    p.add_argument('--img-suffix', default='.jpg')
    p.add_argument('--ignore-index', type=int, default=255)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    if not 0.5 < args.min_share <= 1:
        # at most one class can cover more than half a patch
        p.error(f'--min-share must be in (0.5, 1], got {args.min_share}')
    unknown = [c for c in args.keep or () if c not in args.class_names]
    if unknown:
        p.error(f'--keep names {unknown} not in --class-names '
                f'{args.class_names}')
    return args


def read_stems(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'no split file {path}')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def patch_labels(mask: np.ndarray, patch: int, values, min_share: float,
                 ignore_index: int):
    """(row, col, value) of every patch whose majority value is one of
    ``values`` with at least ``min_share`` of its pixels; a patch with under
    90% annotated pixels is skipped."""
    h, w = mask.shape
    rows, cols = h // patch, w // patch
    if not rows or not cols:
        return []
    blocks = mask[:rows * patch, :cols * patch]
    blocks = blocks.reshape(rows, patch, cols, patch).transpose(0, 2, 1, 3)
    blocks = blocks.reshape(rows, cols, patch * patch)
    annotated = (blocks != ignore_index).sum(-1)
    out = []
    for v in values:
        share = (blocks == v).sum(-1)
        hit = (annotated >= 0.9 * patch * patch) & (
            share >= min_share * patch * patch)
        out += [(int(r), int(c), v) for r, c in zip(*np.nonzero(hit))]
    return sorted(out)


def main(argv=None):
    from rskd_mm.utils.paths import check_outputs
    args = parse_args(argv)
    check_outputs(
        {
            f'source {n}': osp.join(args.src, 'meta', n)
            for n in ('train.txt', 'val.txt', 'classes.txt')
        }, {
            f'output {n}': osp.join(args.dst, 'meta', n)
            for n in ('classes.txt', 'train.txt', 'val.txt', 'test.txt')
        },
        prog='seg_to_scene')
    keep = args.keep or args.class_names
    value_of = {c: args.class_names.index(c) for c in keep}
    label_of = {value_of[c]: i for i, c in enumerate(keep)}

    train = read_stems(osp.join(args.src, 'meta', 'train.txt'))
    stems = dict(
        train=[s for s in train if not s.startswith(args.val_prefix)],
        val=[s for s in train if s.startswith(args.val_prefix)],
        test=read_stems(osp.join(args.src, 'meta', 'val.txt')))
    if not stems['val']:
        raise AnnotationError(
            f'--val-prefix {args.val_prefix!r} matches no stem '
            f'of {osp.join(args.src, "meta", "train.txt")}')

    rng = random.Random(args.seed)
    lines = {}
    for split, n in zip(SPLITS, args.per_class):
        found = collections.defaultdict(list)
        for stem in stems[split]:
            ann = osp.join(args.src, 'ann_dir', f'{stem}.png')
            if not osp.isfile(ann):
                raise FileNotFoundError(f'no mask {ann} for stem {stem!r}')
            mask = np.asarray(Image.open(ann))
            if mask.ndim != 2:
                raise AnnotationError(
                    f'{ann}: expected a one-band index mask, '
                    f'got shape {mask.shape}')
            for r, c, v in patch_labels(mask, args.patch, value_of.values(),
                                        args.min_share, args.ignore_index):
                found[label_of[v]].append((stem, r, c))
        short = {
            keep[k]: len(found[k])
            for k in range(len(keep)) if len(found[k]) < n
        }
        if short:
            raise AnnotationError(
                f'{split} split ({len(stems[split])} images of {args.src}): '
                f'fewer than {n} patches of {short}; lower --per-class or '
                f'--min-share, or drop the class from --keep')
        drawn = {k: sorted(rng.sample(found[k], n)) for k in range(len(keep))}
        lines[split] = []
        by_stem = collections.defaultdict(list)
        for k, patches in drawn.items():
            for stem, r, c in patches:
                by_stem[stem].append((r, c, k))
        for stem in sorted(by_stem):
            img_path = osp.join(args.src, 'img_dir', stem + args.img_suffix)
            if not osp.isfile(img_path):
                raise FileNotFoundError(f'no image {img_path} for stem '
                                        f'{stem!r}')
            img = np.asarray(Image.open(img_path).convert('RGB'))
            p = args.patch
            for r, c, k in by_stem[stem]:
                name = f'{keep[k]}/{stem}_y{r * p}_x{c * p}.png'
                out = osp.join(args.dst, 'images', name)
                os.makedirs(osp.dirname(out), exist_ok=True)
                Image.fromarray(img[r * p:(r + 1) * p,
                                    c * p:(c + 1) * p]).save(out)
                lines[split].append(f'{name} {k}')
        lines[split].sort(key=lambda s: (int(s.split()[1]), s))
        print(f'{split}: {len(stems[split])} images, patches per class '
              f'{ {keep[k]: len(found[k]) for k in range(len(keep))} }, '
              f'{n} drawn of each')

    meta = osp.join(args.dst, 'meta')
    atomic_write_bytes(('\n'.join(keep) + '\n').encode(),
                       osp.join(meta, 'classes.txt'))
    for split in SPLITS:
        atomic_write_bytes(('\n'.join(lines[split]) + '\n').encode(),
                           osp.join(meta, f'{split}.txt'))
    print(f'wrote {args.dst}: {len(keep)} classes, ' +
          ', '.join(f'{len(lines[s])} {s}' for s in SPLITS))


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
