# Copyright (c) rskd_mm contributors. All rights reserved.
"""Make a class-balanced subset of a scene data set, without copying images.

    python tools/dataset_converters/scene_subset.py SRC DST \
        --per-class 120 100 200 [--seed 0]

SRC is a data set folder in the layout of ``--suite scene``
(``images/<Class>/<file>`` + ``meta/{classes,train,val,test}.txt``). DST
gets ``meta/classes.txt`` (copied), ``meta/{train,val,test}.txt`` with
``--per-class`` images of every class drawn from the same split of SRC
(reproducible from ``--seed``; the test images stay test images), and
``images``, a symbolic link to SRC's images. This is how the scene-suite
ablation of docs/results.md makes its EuroSAT subset:

    python tools/dataset_converters/scene_subset.py \
        ../shared/data/eurosat_rgb \
        data/eurosat_sub --per-class 120 100 200
"""
import argparse
import collections
import os
import os.path as osp
import random
import shutil
import sys

from rskd_mm.datasets.annotation_check import read_classes_file

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='the data set folder')
    p.add_argument('dst', help='the subset folder (created)')
    p.add_argument(
        '--per-class',
        type=int,
        nargs=3,
        required=True,
        metavar=('TRAIN', 'VAL', 'TEST'))
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    from rskd_mm.utils.paths import check_outputs
    args = parse_args(argv)
    meta = osp.join(args.src, 'meta')
    names = ('classes.txt', ) + tuple(f'{s}.txt' for s in SPLITS)
    check_outputs(
        {f'source {n}': osp.join(meta, n)
         for n in names},
        {f'output {n}': osp.join(args.dst, 'meta', n)
         for n in names},
        prog='scene_subset')
    classes = read_classes_file(osp.join(meta, 'classes.txt'))
    os.makedirs(osp.join(args.dst, 'meta'), exist_ok=True)
    for split, n in zip(SPLITS, args.per_class):
        ann = osp.join(meta, f'{split}.txt')
        by_label = collections.defaultdict(list)
        with open(ann) as f:
            for line in f:
                if line.strip():
                    by_label[int(line.split()[-1])].append(line.rstrip('\n'))
        short = {classes[k]: len(v) for k, v in by_label.items() if len(v) < n}
        short.update(
            {c: 0
             for i, c in enumerate(classes) if i not in by_label})
        if short:
            sys.exit(f'scene_subset.py: {ann} has fewer than {n} images of '
                     f'class(es) {short}')
        # seeded by the split's name (and the seed, when not 0)
        rng = random.Random(split if not args.seed else f'{split}:{args.seed}')
        lines = []
        for label in range(len(classes)):
            lines += sorted(rng.sample(by_label[label], n))
        with open(osp.join(args.dst, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        print(f'{split}: {len(lines)} images ({n} per class)')
    shutil.copy(
        osp.join(meta, 'classes.txt'), osp.join(args.dst, 'meta',
                                                'classes.txt'))
    link = osp.join(args.dst, 'images')
    if not osp.lexists(link):
        os.symlink(osp.abspath(osp.join(args.src, 'images')), link)


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
