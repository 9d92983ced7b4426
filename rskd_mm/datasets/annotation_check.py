# Copyright (c) rskd_mm contributors. All rights reserved.
"""Check a scene-classification annotation file when the data set is built.

mmpretrain's ``CustomDataset`` reads ``<file> <label>`` lines and trusts
them: a label outside the classes trains until that sample comes up and then
fails inside ``cross_entropy`` (``Target 12 is out of bounds``), an empty
split fails in ``np.concatenate``, and a listed image that does not exist is
found only when the loader reaches it. :func:`check_scene_annotations` reads
the file once, before any training, and reports every bad line (file, line
number and value) in one error. It never opens an image: existence is
checked against a listing of each image folder (one ``os.scandir`` per
folder), so 10,000 lines cost a few milliseconds.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple


class AnnotationError(ValueError):
    """An annotation file has lines that cannot be trained on."""


#: how many bad lines of each kind an error message lists
MAX_LISTED = 5


def read_classes_file(path: str) -> List[str]:
    """Class names of a ``classes.txt`` (one name per line, label order)."""
    with open(path) as f:
        names = [line.strip() for line in f]
    names = [n for n in names if n]
    if not names:
        raise AnnotationError(f'{path}: no class names (the file is empty)')
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise AnnotationError(f'{path}: class names listed twice: {dup}')
    return names


def _list_dir(cache: Dict[str, Optional[set]], folder: str) -> Optional[set]:
    if folder not in cache:
        try:
            with os.scandir(folder) as it:
                cache[folder] = {e.name for e in it}
        except OSError:
            cache[folder] = None  # the folder itself is missing
    return cache[folder]


def check_scene_annotations(ann_file: str,
                            img_prefix: str = '',
                            num_classes: Optional[int] = None,
                            classes: Optional[Sequence[str]] = None,
                            check_files: bool = True) -> List[Tuple[str, int]]:
    """Parse and check a ``<file> <label>`` annotation file.

    Checks: every non-blank line has a file name and an integer label; the
    label is in ``[0, num_classes)``; the file exists under ``img_prefix``
    (unless ``check_files`` is False); no file is listed twice; the split is
    not empty; and, where a ``classes.txt`` lies beside the annotation file,
    its names equal ``classes`` (the config's).

    Args:
        ann_file (str): the annotation file (local path).
        img_prefix (str): the folder the file names are relative to.
        num_classes (int, optional): the number of classes; defaults to
            ``len(classes)``. No range check when both are None.
        classes (Sequence[str], optional): the config's class names.
        check_files (bool): check that every listed image exists.

    Returns:
        list[tuple[str, int]]: ``(file, label)`` in file order.

    Raises:
        FileNotFoundError: the annotation file does not exist.
        AnnotationError: naming the file, every kind of fault, the number of
            bad lines and the first few (line number and value).
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file not found: {ann_file}')
    if num_classes is None and classes is not None:
        num_classes = len(classes)
    problems: Dict[str, List[str]] = {}

    def bad(kind, lineno, text):
        problems.setdefault(kind, []).append(f'line {lineno}: {text}')

    samples, first_seen = [], {}
    listing: Dict[str, Optional[set]] = {}
    with open(ann_file) as f:
        lines = f.read().splitlines()
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2:
            bad('not "<file> <label>"', lineno, repr(raw))
            continue
        name, label_text = parts
        try:
            label = int(label_text)
        except ValueError:
            bad('label is not an integer', lineno, repr(label_text))
            continue
        if num_classes is not None and not 0 <= label < num_classes:
            bad(f'label outside 0..{num_classes - 1}', lineno,
                f'{name} {label}')
        if name in first_seen:
            bad('file listed twice', lineno,
                f'{name} (first on line {first_seen[name]})')
        else:
            first_seen[name] = lineno
        if check_files:
            path = osp.join(img_prefix, name)
            names = _list_dir(listing, osp.dirname(path))
            if names is None or osp.basename(path) not in names:
                bad('image not found', lineno, path)
        samples.append((name, label))

    if not problems and not samples:
        raise AnnotationError(
            f'{ann_file}: the split is empty (no "<file> <label>" lines)')
    if problems:
        total = len({p.split(':', 1)[0] for v in problems.values() for p in v})
        parts = [f'{ann_file}: {total} bad line(s) of {len(lines)}:']
        for kind, items in problems.items():
            shown = '; '.join(items[:MAX_LISTED])
            more = (f'; ... and {len(items) - MAX_LISTED} more'
                    if len(items) > MAX_LISTED else '')
            parts.append(f'  {kind} ({len(items)}): {shown}{more}')
        if any(k.startswith('label outside') for k in problems):
            parts.append('  (check the class count and names in the config '
                         'against the annotation files)')
        raise AnnotationError('\n'.join(parts))

    classes_file = osp.join(osp.dirname(ann_file), 'classes.txt')
    if classes is not None and osp.isfile(classes_file):
        listed = read_classes_file(classes_file)
        if list(listed) != list(classes):
            diff = [
                f'label {i}: {a!r} in classes.txt vs {b!r} in the config'
                for i, (a, b) in enumerate(zip(listed, classes)) if a != b
            ]
            if len(listed) != len(classes):
                diff.insert(
                    0, f'{len(listed)} classes in classes.txt vs '
                    f'{len(classes)} in the config')
            raise AnnotationError(
                f'{classes_file} disagrees with the classes of the config '
                f'used with {ann_file}: ' + '; '.join(diff[:MAX_LISTED]))
    return samples


#: the training split's file name and the held-out splits it must not share
#: an image with (val and test may coincide: some protocols validate on the
#: test split)
HELD_OUT_SPLITS = ('val.txt', 'test.txt')


def _split_images(path: str) -> List[str]:
    with open(path, encoding='utf-8') as f:
        return [
            line.split()[0] for line in f
            if line.strip() and not line.lstrip().startswith('#')
        ]


def check_split_leak(splits: Dict[str, Sequence[str]], where: str) -> None:
    """Raise :class:`AnnotationError` when an image of the ``train`` split
    is also in a held-out split (``val``, ``test``): a leak that inflates
    every test number. ``splits``: split name -> image names (or
    ``<image> <label>`` lines)."""
    train = {line.split()[0] for line in splits.get('train', ()) if line}
    if not train:
        return
    for name in ('val', 'test'):
        shared = [
            line.split()[0] for line in splits.get(name, ())
            if line and line.split()[0] in train
        ]
        if shared:
            raise AnnotationError(
                f'{where}: {len(shared)} image(s) are in both the train and '
                f'the {name} split (first: {shared[0]}): the {name} '
                'numbers would be measured on training images. Split by '
                'image so that each image is in one split '
                '(tools/dataset_converters/rs_split.py does).')


def check_sibling_splits(ann_file: str) -> None:
    """At data set build: when ``ann_file`` is a ``train.txt``, ``val.txt``
    or ``test.txt`` beside the others, refuse images shared by the training
    split and a held-out one (see :func:`check_split_leak`)."""
    folder, base = osp.split(ann_file)
    names = ('train.txt', ) + HELD_OUT_SPLITS
    if base not in names or not osp.isfile(osp.join(folder, 'train.txt')):
        return
    splits = {
        n[:-4]: _split_images(osp.join(folder, n))
        for n in names if osp.isfile(osp.join(folder, n))
    }
    if len(splits) > 1:
        check_split_leak(
            splits, f'{folder or "."}/{{{",".join(sorted(splits))}}}.txt')
