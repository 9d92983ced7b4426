# Copyright (c) rskd_mm contributors. All rights reserved.
"""Teacher-output cache for fast KD: the teacher runs once, offline.

Layout of a cache directory::

    meta.json     fingerprints, shapes, state ("complete": true when done)
    logits.npy    float32 (or float16) memmap (N, K, C)  (or values/indices
                  for top-k)
    done.npy      uint8 memmap (N, K): which (sample, draw) pairs are written

Each of the K draws of a sample is an augmented view, fully determined by
:func:`draw_seed` ``(seed, index, draw)``: the random state of the training
pipeline is set from it, so every random parameter of every transform (crop
box, flip, colour jitter, ...) is replayed exactly when the student trains on
draw ``k`` of sample ``i``, whatever the pipeline samples.
"""
import contextlib
import hashlib
import json
import os
import os.path as osp
import random
from typing import Dict, Optional

import numpy as np
import torch

CACHE_VERSION = 1
META = 'meta.json'


class TeacherCacheError(RuntimeError):
    """A cache that is missing, incomplete, stale or for other data."""


def draw_seed(seed: int, index: int, draw: int) -> int:
    """The 32-bit seed of draw ``draw`` of sample ``index``."""
    digest = hashlib.sha256(f'{seed}:{index}:{draw}'.encode()).digest()
    return int.from_bytes(digest[:4], 'little')


@contextlib.contextmanager
def seeded_randomness(seed: int):
    """Seed python, numpy and torch for a block; restore their state after."""
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.random.set_rng_state(torch_state)


def _sha256_json(obj) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def _to_plain(cfg):
    if hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()
    if isinstance(cfg, dict):
        return {k: _to_plain(v) for k, v in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return [_to_plain(v) for v in cfg]
    return cfg


def teacher_fingerprint(teacher_cfg, teacher_ckpt: Optional[str]) -> str:
    """Hash of the teacher's config and the *contents* of its weight files.

    Computed without building the teacher, so that training from the cache
    can check it: the architecture config (paths removed) plus the SHA-256 of
    ``teacher_ckpt`` and of every ensemble member's ``checkpoint``.
    """
    files = []

    def visit(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == 'checkpoint' and 'model' in node:
                    files.append(v)
                    continue
                out[k] = visit(v)
            return out
        if isinstance(node, list):
            return [visit(v) for v in node]
        return node

    arch = visit(_to_plain(teacher_cfg))
    if teacher_ckpt:
        files.insert(0, teacher_ckpt)
    hashes = []
    for path in files:
        if not path:
            hashes.append(None)
            continue
        if not osp.isfile(path):
            raise TeacherCacheError(
                f'teacher checkpoint {path} not found: it is needed to '
                'fingerprint the teacher the cache was built from')
        hashes.append(file_sha256(path))
    return _sha256_json(dict(arch=arch, weights=hashes))


def data_fingerprint(dataset) -> str:
    """Hash of the ordered sample list (image paths and labels)."""
    items = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        items.append([
            osp.relpath(info.get('img_path', ''), dataset.data_root or '/')
            if info.get('img_path') else None,
            int(info['gt_label']) if 'gt_label' in info else None
        ])
    return _sha256_json(items)


def image_hashes(dataset, chunk: int = 1 << 20) -> list:
    """``[path relative to the data root, BLAKE2b-128 of the file's
    bytes]`` of every sample, in order (``None`` for a sample without an
    image file).

    What the cache's ``content`` fingerprint is made of: other pixels under
    the same names change it, and the stored list names the first file that
    differs. Reading every image once costs far less than the cache build,
    which decodes, augments and runs the teacher K times per image
    (measured in docs/troubleshooting.md)."""
    out = []
    root = getattr(dataset, 'data_root', None) or '/'
    for i in range(len(dataset)):
        path = dataset.get_data_info(i).get('img_path')
        if not path:
            out.append(None)
            continue
        h = hashlib.blake2b(digest_size=16)
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(chunk), b''):
                h.update(block)
        out.append([osp.relpath(path, root), h.hexdigest()])
    return out


def content_fingerprint(hashes: list) -> str:
    """The fingerprint of :func:`image_hashes`."""
    return _sha256_json(hashes)


def first_difference(stored: Optional[list], now: list) -> str:
    """The first file whose contents differ between two
    :func:`image_hashes` lists, as a phrase for a message."""
    if not stored:
        return ('the cache was built by an earlier rskd_mm without image '
                'content hashes')
    for a, b in zip(stored, now):
        if a != b:
            name = (b or a or ['?'])[0]
            return f'first differing image: {name}'
    return (f'the cache holds {len(stored)} images, the data '
            f'{len(now)}')


def pipeline_fingerprint(pipeline_cfg) -> str:
    return _sha256_json(_to_plain(pipeline_cfg))


class TeacherCache:
    """Read/write access to a teacher-output cache directory.

    ``meta.json`` keeps ``image_hashes`` (see :func:`image_hashes`) beside
    the fingerprints, so that a cache reused for other pixels is refused
    with the first differing file named.

    Args:
        cache_dir: the directory.
        mode: ``'r'`` (train from a complete cache) or ``'w'`` (generate or
            resume generating).
    """

    #: Every file a cache folder may hold.
    FILES = (META, 'logits.npy', 'values.npy', 'indices.npy', 'done.npy')

    def __init__(self, cache_dir: str, mode: str = 'r'):
        self.cache_dir = cache_dir
        self.mode = mode
        meta_path = osp.join(cache_dir, META)
        if not osp.isfile(meta_path):
            raise TeacherCacheError(
                f'no teacher cache at {cache_dir} ({META} missing); build it '
                'with tools/cache_teacher_outputs.py')
        with open(meta_path) as f:
            self.meta = json.load(f)
        if self.meta.get('version') != CACHE_VERSION:
            raise TeacherCacheError(
                f'{meta_path}: cache version {self.meta.get("version")} is '
                f'not supported (expected {CACHE_VERSION}); rebuild it')
        n, k, c = (self.meta['num_samples'], self.meta['num_draws'],
                   self.meta['num_classes'])
        mm_mode = 'r' if mode == 'r' else 'r+'
        self.topk = self.meta.get('topk')
        if self.topk:
            self.values = np.lib.format.open_memmap(
                osp.join(cache_dir, 'values.npy'), mode=mm_mode)
            self.indices = np.lib.format.open_memmap(
                osp.join(cache_dir, 'indices.npy'), mode=mm_mode)
            shape = self.values.shape
            expected = (n, k, self.topk)
        else:
            self.logits = np.lib.format.open_memmap(
                osp.join(cache_dir, 'logits.npy'), mode=mm_mode)
            shape = self.logits.shape
            expected = (n, k, c)
        if tuple(shape) != expected:
            raise TeacherCacheError(
                f'{cache_dir}: stored outputs have shape {tuple(shape)}, '
                f'meta.json says {expected}; the cache is corrupt, rebuild it')
        self.done = np.lib.format.open_memmap(
            osp.join(cache_dir, 'done.npy'), mode=mm_mode)
        if mode == 'r' and not self.is_complete():
            missing = int((self.done == 0).sum())
            raise TeacherCacheError(
                f'teacher cache {cache_dir} is incomplete ({missing} of '
                f'{n * k} outputs missing): finish it by running '
                'tools/cache_teacher_outputs.py again (it resumes)')

    # ---------------------------------------------------------------
    @staticmethod
    def create(cache_dir: str,
               num_samples: int,
               num_draws: int,
               num_classes: int,
               fingerprints: Dict[str, str],
               seed: int = 0,
               topk: Optional[int] = None,
               extra: Optional[dict] = None,
               dtype: str = 'float32',
               image_hashes: Optional[list] = None) -> 'TeacherCache':
        """Create an empty cache, or reopen a matching partial one.

        ``dtype`` is the storage type of the logits: ``'float32'`` (default,
        exact: cached KD equals online KD, ``tests/test_cached_equals_online
        .py``) or ``'float16'`` (half the size). float16 rounds each logit by
        up to 2**-11 of its magnitude, an absolute error that logit
        standardisation divides by the logits' spread: for a near-uniform
        teacher (spread ~1e-3, e.g. early or untrained) the standardised
        targets are then mostly rounding noise. Scene data sets are small
        (N x K x C x 4 bytes: 3 MB for EuroSAT at K = 4), so float16 only
        pays for very large caches.
        """
        if dtype not in ('float16', 'float32'):
            raise ValueError(f'TeacherCache: dtype must be float16 or '
                             f'float32, got {dtype!r}')
        os.makedirs(cache_dir, exist_ok=True)
        meta_path = osp.join(cache_dir, META)
        meta = dict(
            version=CACHE_VERSION,
            num_samples=num_samples,
            num_draws=num_draws,
            num_classes=num_classes,
            seed=seed,
            topk=topk,
            dtype=dtype,
            fingerprints=fingerprints,
            complete=False)
        if image_hashes is not None:
            meta['image_hashes'] = image_hashes
        meta.update(extra or {})
        if osp.isfile(meta_path):
            cache = TeacherCache(cache_dir, mode='w')
            cache.check(
                fingerprints,
                num_samples,
                num_classes,
                image_hashes=image_hashes,
                num_draws=num_draws,
                seed=seed,
                topk=topk)
            return cache
        if topk:
            np.lib.format.open_memmap(
                osp.join(cache_dir, 'values.npy'),
                mode='w+',
                dtype=dtype,
                shape=(num_samples, num_draws, topk))
            np.lib.format.open_memmap(
                osp.join(cache_dir, 'indices.npy'),
                mode='w+',
                dtype=np.int32,
                shape=(num_samples, num_draws, topk))
        else:
            np.lib.format.open_memmap(
                osp.join(cache_dir, 'logits.npy'),
                mode='w+',
                dtype=dtype,
                shape=(num_samples, num_draws, num_classes))
        np.lib.format.open_memmap(
            osp.join(cache_dir, 'done.npy'),
            mode='w+',
            dtype=np.uint8,
            shape=(num_samples, num_draws))
        _write_json_atomic(meta_path, meta)  # last: marks the files valid
        return TeacherCache(cache_dir, mode='w')

    def is_complete(self) -> bool:
        return bool(self.meta.get('complete')) and bool(self.done.all())

    def check(self,
              fingerprints: Dict[str, str],
              num_samples: int,
              num_classes: Optional[int] = None,
              image_hashes: Optional[list] = None,
              **expected) -> None:
        """Refuse a cache built for another teacher, data or pipeline."""
        problems = []
        if self.meta['num_samples'] != num_samples:
            problems.append(f'number of samples: cache has '
                            f'{self.meta["num_samples"]}, data has '
                            f'{num_samples}')
        if num_classes is not None and \
                self.meta['num_classes'] != num_classes:
            problems.append(f'number of classes: cache has '
                            f'{self.meta["num_classes"]}, model has '
                            f'{num_classes}')
        for key, value in expected.items():
            if self.meta.get(key) != value:
                problems.append(f'{key}: cache has {self.meta.get(key)!r}, '
                                f'requested {value!r}')
        for key, value in fingerprints.items():
            if value is None:
                continue
            stored = self.meta['fingerprints'].get(key)
            if stored != value:
                what = (
                    f'the {key} changed since the cache was built'
                    if key != 'content' else
                    'the image files hold other pixels than when the '
                    'cache was built (' + first_difference(
                        self.meta.get('image_hashes'), image_hashes or []) +
                    ')')
                problems.append(
                    f'{key} fingerprint differs (cache {str(stored)[:12]}, '
                    f'now {value[:12]}): {what}')
        if problems:
            raise TeacherCacheError(
                f'teacher cache {self.cache_dir} does not match this run:\n  '
                + '\n  '.join(problems) +
                f'\nIts outputs are for other data: delete the folder '
                f'({self.cache_dir}) and build it again with '
                'tools/cache_teacher_outputs.py (rebuilding into it is '
                'refused while it holds these outputs), or give the tool '
                'another --out and point the config\'s cache_dir at it.')

    # ---------------------------------------------------------------
    def write(self, index: int, draw: int, logits: torch.Tensor) -> None:
        logits = logits.detach().float().cpu()
        if self.topk:
            values, indices = logits.topk(self.topk)
            self.values[index, draw] = values.numpy().astype(self.values.dtype)
            self.indices[index, draw] = indices.numpy().astype(np.int32)
        else:
            self.logits[index, draw] = logits.numpy().astype(self.logits.dtype)
        self.done[index, draw] = 1

    def flush(self) -> None:
        for name in ('logits', 'values', 'indices', 'done'):
            array = getattr(self, name, None)
            if array is not None:
                array.flush()

    def mark_complete(self) -> None:
        self.flush()
        if not self.done.all():
            raise TeacherCacheError(
                f'{self.cache_dir}: cannot mark complete, '
                f'{int((self.done == 0).sum())} outputs missing')
        self.meta['complete'] = True
        _write_json_atomic(osp.join(self.cache_dir, META), self.meta)

    def read(self, index: int, draw: int) -> torch.Tensor:
        """The teacher's logits (C,) float32 for one draw of one sample.

        With a top-k cache the other classes get the smallest stored logit
        of that row minus ``ln(1e4)`` (their probability is then at most
        1e-4 of the k-th class's), an approximation.
        """
        if self.topk:
            values = torch.from_numpy(
                np.asarray(self.values[index, draw], dtype=np.float32))
            indices = torch.from_numpy(
                np.asarray(self.indices[index, draw], dtype=np.int64))
            out = torch.full((self.meta['num_classes'], ),
                             float(values.min()) - float(np.log(1e4)))
            out[indices] = values
            return out
        return torch.from_numpy(
            np.asarray(self.logits[index, draw], dtype=np.float32))


def _write_json_atomic(path: str, obj) -> None:
    tmp = f'{path}.tmp.{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
