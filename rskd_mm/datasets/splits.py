# Copyright (c) rskd_mm contributors. All rights reserved.
"""Reproducible stratified train/val/test annotation files."""
import os
import os.path as osp
import random
from typing import Dict, List, Optional, Sequence

from .rs_scene import _EXTENSIONS


def scan_class_folders(
        data_prefix: str,
        classes: Optional[Sequence[str]] = None,
        extensions: Sequence[str] = _EXTENSIONS) -> Dict[str, List[str]]:
    """``{class: sorted relative image paths}`` of a ``<class>/<img>`` tree.

    Args:
        data_prefix: the folder holding one sub-folder per class.
        classes: expected class names, in label order. Missing class folders
            or unexpected ones are errors that name them. Defaults to the
            sorted sub-folder names.
    """
    if not osp.isdir(data_prefix):
        raise FileNotFoundError(f'data folder not found: {data_prefix}')
    found = sorted(
        d for d in os.listdir(data_prefix)
        if osp.isdir(osp.join(data_prefix, d)))
    if classes is None:
        classes = found
    missing = [c for c in classes if c not in found]
    extra = [d for d in found if d not in classes]
    if missing or extra:
        raise ValueError(
            f'{data_prefix}: class folders do not match the class list; '
            f'missing: {missing}, unexpected: {extra}')
    exts = tuple(e.lower() for e in extensions)
    images = {}
    for name in classes:
        files = sorted(
            f for f in os.listdir(osp.join(data_prefix, name))
            if f.lower().endswith(exts))
        if not files:
            raise ValueError(f'{osp.join(data_prefix, name)} has no images '
                             f'with extensions {list(exts)}')
        images[name] = [f'{name}/{f}' for f in files]
    return images


def stratified_split(images: Dict[str, List[str]],
                     train_ratio: float,
                     val_ratio: float = 0.0,
                     seed: int = 0) -> Dict[str, List[str]]:
    """Split each class's images by ratio; the rest is the test split.

    The same inputs and seed always give the same split, independent of the
    file system's listing order. Lines are ``'<class>/<file> <label>'``, the
    annotation format of mmpretrain's ``CustomDataset``.
    """
    if not 0 < train_ratio < 1 or not 0 <= val_ratio < 1 or \
            train_ratio + val_ratio >= 1:
        raise ValueError('need 0 < train_ratio < 1, 0 <= val_ratio and '
                         'train_ratio + val_ratio < 1, got '
                         f'train_ratio={train_ratio}, val_ratio={val_ratio}')
    splits = dict(train=[], val=[], test=[])
    for label, (name, files) in enumerate(images.items()):
        files = sorted(files)
        random.Random(f'{seed}:{name}').shuffle(files)
        n_train = max(1, round(len(files) * train_ratio))
        n_val = round(len(files) * val_ratio)
        if n_train + n_val >= len(files):
            raise ValueError(f'class {name!r} has {len(files)} images, too '
                             'few for this split')
        parts = dict(
            train=files[:n_train],
            val=files[n_train:n_train + n_val],
            test=files[n_train + n_val:])
        for split, part in parts.items():
            splits[split] += [f'{f} {label}' for f in sorted(part)]
    return splits


def write_splits(splits: Dict[str, List[str]], out_dir: str) -> Dict[str, str]:
    """Write ``<out_dir>/<split>.txt`` atomically; empty splits are skipped.
    A training image also in ``val`` or ``test`` is refused before anything
    is written (:func:`~rskd_mm.datasets.annotation_check.check_split_leak`).
    """
    from .annotation_check import check_split_leak
    check_split_leak(splits, out_dir)
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for split, lines in splits.items():
        if not lines:
            continue
        path = osp.join(out_dir, f'{split}.txt')
        tmp = f'{path}.tmp.{os.getpid()}'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        os.replace(tmp, path)
        written[split] = path
    return written
