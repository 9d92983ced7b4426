# Copyright (c) rskd_mm contributors. All rights reserved.
"""Deterministic synthetic remote-sensing-like data sets.

Real remote-sensing data sets cannot be shipped or downloaded in every
environment, so the demo and the tests use small generated sets with the
same on-disk layout as the real ones:

* scene classification in mmpretrain's ``CustomDataset`` layout::

      <root>/images/<class>/<class>_<n>.png
      <root>/meta/{train,val,test}.txt      # "<class>/<file> <label>"
      <root>/meta/classes.txt

* semantic segmentation in mmseg's ``img_dir/ann_dir`` layout::

      <root>/img_dir/{train,val}/<stem>.png     # RGB
      <root>/ann_dir/{train,val}/<stem>.png     # 8-bit index masks

Every image is a pure function of ``(seed, split, index)``: the same seed gives
byte-identical files on every machine. The scene classes differ by texture
and layout, and pairs of them are deliberately close (sparse vs dense
residential, meadow vs forest, river vs road), with colour jitter, rotation
and sensor noise, so the task is not solved by a colour histogram and a small
student leaves room for a teacher to help.
"""
import os
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image

#: Scene classes of the synthetic classification set, in label order.
SCENE_CLASSES: Tuple[str, ...] = ('water', 'river', 'road', 'farmland',
                                  'meadow', 'forest', 'sparse_residential',
                                  'dense_residential')

#: Segmentation classes, in label order (255 is "ignore").
SEG_CLASSES: Tuple[str,
                   ...] = ('land', 'water', 'road', 'building', 'vegetation')
SEG_PALETTE: Tuple[Tuple[int, int, int],
                   ...] = ((200, 180, 140), (40, 90, 180), (128, 128, 128),
                           (200, 60, 50), (40, 140, 40))

_SPLITS = ('train', 'val', 'test')


def _rng(seed: int, *keys) -> np.random.Generator:
    """An independent generator for ``(seed, *keys)``, stable across runs."""
    words = [seed] + [
        k if isinstance(k, int) else
        sum(ord(c) * 131**i for i, c in enumerate(k)) % 2**31 for k in keys
    ]
    return np.random.default_rng(np.random.SeedSequence(words))


def _smooth_noise(rng, size: int, scale: int) -> np.ndarray:
    """Value noise in [0, 1]: random ``scale`` x ``scale`` grid, upsampled."""
    grid = rng.random((scale, scale)).astype(np.float32)
    img = Image.fromarray((grid * 255).astype(np.uint8)).resize((size, size),
                                                                Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _coords(size: int):
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    return x, y


def _rotate(x, y, size, angle):
    c, s = np.cos(angle), np.sin(angle)
    xc, yc = x - size / 2, y - size / 2
    return c * xc - s * yc, s * xc + c * yc


def _mix(base, color, mask):
    """Blend ``color`` (3,) into ``base`` (H, W, 3) where ``mask`` (H, W)."""
    return base * (
        1 - mask[..., None]) + np.asarray(color)[None, None] * mask[..., None]


def _jitter(rng, color, amount=25.0):
    return np.clip(
        np.asarray(color, np.float32) + rng.normal(0, amount, 3), 0, 255)


def _background(rng, size, color, scale=6, amount=30.0):
    noise = _smooth_noise(rng, size, scale)[..., None]
    return np.clip(
        _jitter(rng, color)[None, None] + (noise - 0.5) * amount * 2, 0, 255)


def _scene_water(rng, size):
    img = _background(rng, size, (40, 80, 150), scale=4, amount=15)
    x, y = _coords(size)
    u, _ = _rotate(x, y, size, rng.uniform(0, np.pi))
    waves = 0.5 + 0.5 * np.sin(u / rng.uniform(2.0, 4.0))
    return img + waves[..., None] * 12


def _scene_river(rng, size):
    img = _background(rng, size, (110, 140, 80), scale=8, amount=25)
    x, y = _coords(size)
    u, v = _rotate(x, y, size, rng.uniform(0, np.pi))
    center = 6 * np.sin(u / rng.uniform(6, 12) + rng.uniform(0, 6))
    width = rng.uniform(4, 9)
    mask = (np.abs(v - center) < width).astype(np.float32)
    return _mix(img, _jitter(rng, (50, 90, 150)), mask)


def _scene_road(rng, size):
    img = _background(rng, size, (120, 140, 90), scale=8, amount=25)
    x, y = _coords(size)
    for _ in range(rng.integers(1, 3)):
        _, v = _rotate(x, y, size, rng.uniform(0, np.pi))
        offset = rng.uniform(-size / 4, size / 4)
        width = rng.uniform(2.5, 5)
        mask = (np.abs(v - offset) < width).astype(np.float32)
        img = _mix(img, _jitter(rng, (115, 115, 120), 15), mask)
    return img


def _scene_farmland(rng, size):
    x, y = _coords(size)
    u, v = _rotate(x, y, size, rng.uniform(0, np.pi))
    period = rng.uniform(6, 14)
    field = np.floor(u / period).astype(int)
    colors = [
        _jitter(rng, c)
        for c in ((150, 170, 70), (170, 140, 90), (100, 150, 60))
    ]
    img = np.zeros((size, size, 3), np.float32)
    for k, c in enumerate(colors):
        img += (np.mod(field, 3) == k)[..., None] * c[None, None]
    rows = 0.5 + 0.5 * np.sin(v * 2 * np.pi / rng.uniform(2.5, 4))
    return img + rows[..., None] * 10


def _scene_meadow(rng, size):
    img = _background(rng, size, (120, 160, 80), scale=5, amount=20)
    blobs = _smooth_noise(rng, size, 12)
    mask = (blobs > rng.uniform(0.75, 0.85)).astype(np.float32)
    return _mix(img, _jitter(rng, (50, 100, 45)), mask)


def _scene_forest(rng, size):
    img = _background(rng, size, (45, 95, 45), scale=12, amount=25)
    blobs = _smooth_noise(rng, size, 16)
    mask = (blobs > rng.uniform(0.45, 0.6)).astype(np.float32)
    return _mix(img, _jitter(rng, (30, 70, 30)), mask)


def _houses(rng, size, count, road_color=True):
    img = _background(rng, size, (120, 150, 90), scale=8, amount=20)
    if road_color:
        x, y = _coords(size)
        _, v = _rotate(x, y, size, rng.uniform(0, np.pi))
        img = _mix(img, _jitter(rng, (120, 120, 120), 10),
                   (np.abs(v) < 2.5).astype(np.float32))
    for _ in range(count):
        w, h = rng.integers(4, 9, size=2)
        x0, y0 = rng.integers(0, size - 9, size=2)
        roof = _jitter(rng, [(180, 80, 60), (200, 200, 200),
                             (150, 100, 80)][rng.integers(0, 3)])
        img[y0:y0 + h, x0:x0 + w] = roof
        img[y0 + h:y0 + h + 1, x0:x0 + w] *= 0.6  # shadow
    return img


def _scene_sparse_residential(rng, size):
    return _houses(rng, size, int(rng.integers(4, 9)))


def _scene_dense_residential(rng, size):
    return _houses(rng, size, int(rng.integers(16, 28)))


_SCENE_PAINTERS: Dict[str, Callable] = {
    'water': _scene_water,
    'river': _scene_river,
    'road': _scene_road,
    'farmland': _scene_farmland,
    'meadow': _scene_meadow,
    'forest': _scene_forest,
    'sparse_residential': _scene_sparse_residential,
    'dense_residential': _scene_dense_residential,
}


def _finish(rng, img: np.ndarray, noise: float) -> np.ndarray:
    """Global illumination change, sensor noise, random 90-degree turn."""
    img = img * rng.uniform(0.8, 1.2) + rng.normal(0, noise, img.shape)
    img = np.rot90(img, k=int(rng.integers(0, 4)))
    return np.clip(img, 0, 255).astype(np.uint8)


def render_scene(class_name: str,
                 seed: int,
                 split: str,
                 index: int,
                 size: int = 64,
                 noise: float = 12.0) -> np.ndarray:
    """Render one scene image (H, W, 3) uint8, deterministic in its keys."""
    if class_name not in _SCENE_PAINTERS:
        raise KeyError(f'unknown synthetic scene class {class_name!r}; '
                       f'choose from {sorted(_SCENE_PAINTERS)}')
    rng = _rng(seed, 'scene', split, class_name, index)
    return _finish(rng, _SCENE_PAINTERS[class_name](rng, size), noise)


def _atomic_write_text(path: str, text: str) -> None:
    tmp = f'{path}.tmp.{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def _save_png(array: np.ndarray, path: str, mode=None) -> None:
    tmp = f'{path}.tmp.{os.getpid()}.png'
    Image.fromarray(array, mode=mode).save(tmp)
    os.replace(tmp, path)


def generate_scene_dataset(root: str,
                           num_per_class: Sequence[int] = (60, 20, 200),
                           size: int = 64,
                           seed: int = 0,
                           classes: Sequence[str] = SCENE_CLASSES) -> dict:
    """Write a synthetic scene-classification set in ``CustomDataset`` form.

    Args:
        root: output folder (created).
        num_per_class: images per class for the train, val and test splits.
        size: image side in pixels.
        seed: the seed; the same seed writes identical files.
        classes: a subset of :data:`SCENE_CLASSES`, in label order.

    Returns:
        dict: ``{'train': n, 'val': n, 'test': n}`` sample counts.
    """
    if len(num_per_class) != len(_SPLITS):
        raise ValueError('num_per_class must give train, val and test counts,'
                         f' got {num_per_class!r}')
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    counts = {}
    for split, count in zip(_SPLITS, num_per_class):
        lines = []
        for label, name in enumerate(classes):
            folder = osp.join(root, 'images', name)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                fname = f'{name}_{split}_{i:04d}.png'
                path = osp.join(folder, fname)
                if not osp.exists(path):
                    _save_png(
                        render_scene(name, seed, split, i, size=size), path)
                lines.append(f'{name}/{fname} {label}')
        _atomic_write_text(
            osp.join(root, 'meta', f'{split}.txt'), '\n'.join(lines) + '\n')
        counts[split] = len(lines)
    _atomic_write_text(
        osp.join(root, 'meta', 'classes.txt'), '\n'.join(classes) + '\n')
    return counts


def render_segmentation(seed: int,
                        split: str,
                        index: int,
                        size: int = 128) -> Tuple[np.ndarray, np.ndarray]:
    """Render one aerial-like tile and its index mask.

    Land background with a water body, roads, vegetation patches and
    buildings; a thin unannotated (255) border marks uncertain pixels around
    buildings, as real annotations have.

    Returns:
        tuple: image (H, W, 3) uint8 and mask (H, W) uint8.
    """
    rng = _rng(seed, 'seg', split, index)
    x, y = _coords(size)
    mask = np.zeros((size, size), np.uint8)
    img = _background(rng, size, SEG_PALETTE[0], scale=8, amount=25)

    # vegetation patches
    veg = _smooth_noise(rng, size, 6) > rng.uniform(0.6, 0.75)
    mask[veg] = 4
    # a water body (smooth blob near one edge)
    if rng.random() < 0.8:
        cx, cy = rng.uniform(0, size, 2)
        r = rng.uniform(size * 0.15, size * 0.35)
        wobble = (_smooth_noise(rng, size, 5) - 0.5) * r * 0.8
        water = np.hypot(x - cx, y - cy) < r + wobble
        mask[water] = 1
    # roads
    for _ in range(rng.integers(1, 3)):
        _, v = _rotate(x, y, size, rng.uniform(0, np.pi))
        road = np.abs(v - rng.uniform(-size / 3, size / 3)) < rng.uniform(
            2.5, 5)
        mask[road] = 2
    # buildings (not in water)
    for _ in range(rng.integers(3, 10)):
        w, h = rng.integers(6, 16, size=2)
        x0, y0 = rng.integers(0, size - 16, size=2)
        block = mask[y0:y0 + h, x0:x0 + w]
        if (block == 1).mean() > 0.2:
            continue
        mask[y0:y0 + h, x0:x0 + w] = 3

    textures = {
        0: _background(rng, size, SEG_PALETTE[0], scale=10, amount=25),
        1: _background(rng, size, SEG_PALETTE[1], scale=4, amount=12),
        2: _background(rng, size, SEG_PALETTE[2], scale=16, amount=10),
        3: _background(rng, size, SEG_PALETTE[3], scale=3, amount=30),
        4: _background(rng, size, SEG_PALETTE[4], scale=14, amount=30),
    }
    for label, tex in textures.items():
        img = np.where((mask == label)[..., None], tex, img)

    # unannotated border around buildings
    building = mask == 3
    grown = building.copy()
    grown[1:] |= building[:-1]
    grown[:-1] |= building[1:]
    grown[:, 1:] |= building[:, :-1]
    grown[:, :-1] |= building[:, 1:]
    out_mask = mask.copy()
    out_mask[grown & ~building] = 255

    img = img * rng.uniform(0.85, 1.15) + rng.normal(0, 8.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), out_mask


def generate_segmentation_dataset(root: str,
                                  num_images: Sequence[int] = (24, 8),
                                  size: int = 128,
                                  seed: int = 0) -> dict:
    """Write a synthetic segmentation set in mmseg's ``img_dir/ann_dir`` form.

    Args:
        root: output folder (created).
        num_images: tiles in the train and val splits.
        size: tile side in pixels.
        seed: the seed; the same seed writes identical files.

    Returns:
        dict: ``{'train': n, 'val': n}``.
    """
    if len(num_images) != 2:
        raise ValueError('num_images must give train and val counts, '
                         f'got {num_images!r}')
    counts = {}
    for split, count in zip(('train', 'val'), num_images):
        img_dir = osp.join(root, 'img_dir', split)
        ann_dir = osp.join(root, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for i in range(count):
            stem = f'tile_{split}_{i:04d}'
            img_path = osp.join(img_dir, stem + '.png')
            ann_path = osp.join(ann_dir, stem + '.png')
            if osp.exists(img_path) and osp.exists(ann_path):
                continue
            img, mask = render_segmentation(seed, split, i, size=size)
            _save_png(mask, ann_path, mode='L')
            _save_png(img, img_path)
        counts[split] = count
    _atomic_write_text(
        osp.join(root, 'classes.txt'), '\n'.join(SEG_CLASSES) + '\n')
    return counts


__all__: List[str] = [
    'SCENE_CLASSES', 'SEG_CLASSES', 'SEG_PALETTE', 'render_scene',
    'render_segmentation', 'generate_scene_dataset',
    'generate_segmentation_dataset'
]
