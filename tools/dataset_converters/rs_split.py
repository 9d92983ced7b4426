# Copyright (c) rskd_mm contributors. All rights reserved.
"""Write reproducible train/val/test annotation files for a scene data set.

    python tools/dataset_converters/rs_split.py DATA_PREFIX OUT_DIR \
        --dataset ucm --train-ratio 0.8 [--val-ratio 0.0] [--seed 0]

DATA_PREFIX holds one folder per class (e.g. ``UCMerced_LandUse/Images``,
``AID``, ``NWPU-RESISC45``, ``EuroSAT/2750``). Each class is split by the
ratios (stratified); what is left is the test split. The files have the
``<class>/<image> <label>`` format of mmpretrain's ``CustomDataset``, with the
labels of the data set's class order. The papers' protocols: UCM 50%/80%,
AID 20%/50%, NWPU-RESISC45 10%/20% training ratio, the rest for testing.
"""
import argparse

from rskd_mm.datasets import (RS_SCENE_CLASSES, scan_class_folders,
                              stratified_split, write_splits)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_prefix', help='folder with one folder/class')
    parser.add_argument('out_dir', help='where to write the .txt files')
    parser.add_argument(
        '--dataset',
        choices=sorted(RS_SCENE_CLASSES),
        help='use this data set\'s class order (default: sorted folders)')
    parser.add_argument('--train-ratio', type=float, required=True)
    parser.add_argument('--val-ratio', type=float, default=0.0)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    classes = RS_SCENE_CLASSES[args.dataset] if args.dataset else None
    images = scan_class_folders(args.data_prefix, classes)
    splits = stratified_split(images, args.train_ratio, args.val_ratio,
                              args.seed)
    written = write_splits(splits, args.out_dir)
    for split, path in written.items():
        print(f'{split}: {len(splits[split])} images -> {path}')


if __name__ == '__main__':
    main()
