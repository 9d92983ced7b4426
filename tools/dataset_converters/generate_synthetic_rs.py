# Copyright (c) rskd_mm contributors. All rights reserved.
"""Write the embedded synthetic remote-sensing data sets.

Examples::

    # scene classification (mmpretrain CustomDataset layout) -> data/demo_scene
    python tools/dataset_converters/generate_synthetic_rs.py scene \
        data/demo_scene
    # segmentation (mmseg img_dir/ann_dir layout) -> data/demo_seg
    python tools/dataset_converters/generate_synthetic_rs.py seg data/demo_seg

The output is a pure function of the arguments (``--seed`` included);
existing files are kept, so an interrupted run can simply be repeated.
"""
import argparse

from rskd_mm.datasets import (SCENE_CLASSES, generate_scene_dataset,
                              generate_segmentation_dataset)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='kind', required=True)
    scene = sub.add_parser('scene', help='scene-classification set')
    scene.add_argument('out', help='output folder')
    scene.add_argument(
        '--num-per-class',
        type=int,
        nargs=3,
        default=(60, 20, 200),
        metavar=('TRAIN', 'VAL', 'TEST'),
        help='images per class in each split (default: 60 20 200, the '
        'demo\'s sizes)')
    scene.add_argument('--size', type=int, default=64, help='image side')
    scene.add_argument(
        '--classes',
        nargs='+',
        default=list(SCENE_CLASSES),
        choices=list(SCENE_CLASSES),
        help='classes to write, in label order')
    scene.add_argument('--seed', type=int, default=0)
    seg = sub.add_parser('seg', help='semantic-segmentation set')
    seg.add_argument('out', help='output folder')
    seg.add_argument(
        '--num-images',
        type=int,
        nargs=2,
        default=(24, 8),
        metavar=('TRAIN', 'VAL'),
        help='tiles in each split (default: 24 8)')
    seg.add_argument('--size', type=int, default=128, help='tile side')
    seg.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.kind == 'scene':
        counts = generate_scene_dataset(
            args.out,
            num_per_class=args.num_per_class,
            size=args.size,
            seed=args.seed,
            classes=args.classes)
    else:
        counts = generate_segmentation_dataset(
            args.out,
            num_images=args.num_images,
            size=args.size,
            seed=args.seed)
    summary = ', '.join(f'{k}: {v}' for k, v in counts.items())
    print(f'wrote {args.kind} data set to {args.out} ({summary})')


if __name__ == '__main__':
    main()
