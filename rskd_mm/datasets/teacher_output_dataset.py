# Copyright (c) rskd_mm contributors. All rights reserved.
import copy
import math
from typing import Optional, Union

import numpy as np
import torch

from rskd_mm.registry import ENGINE_DATASETS as DATASETS
from rskd_mm.structures import content_fingerprint, image_hashes
from rskd_mm.structures.teacher_cache import (TeacherCache, data_fingerprint,
                                              draw_seed, pipeline_fingerprint,
                                              seeded_randomness)


@DATASETS.register_module()
class RSKDTeacherOutputDataset:
    r"""Wrap a training set so each sample is one replayable augmented draw.

    Sample ``i`` is served as draw ``k`` (``0 <= k < num_draws``; chosen by
    :class:`~rskd_mm.datasets.RSKDTeacherDrawSampler` from the seed, epoch
    and sample, so a resumed or distributed run serves the same draws; with
    another sampler, at random): the pipeline's random state is seeded with
    ``draw_seed(seed, i, k)``, so the view is exactly the one the teacher saw
    when ``tools/cache_teacher_outputs.py`` built the cache. With a
    ``cache_dir``, the teacher's cached logits for that draw are attached to
    the data sample as ``teacher_logits``; ``RSKDCachedTeacherDistill`` feeds
    them to the KD losses instead of running a teacher.

    With ``target='mean'`` (variance-reduced targets) the teacher's
    prediction averaged over the image's K cached draws,

    .. math:: z^{\mathrm{mean}}_i = \log \frac1K \sum_k
        \mathrm{softmax}(z_{i,k}),

    is attached instead, and the image is served as a fresh random view of
    the pipeline, not as a replayed draw: the target no longer depends on
    the view, so the student sees a new augmentation every epoch while the
    teacher still runs only K times per image, once, before training. This
    is the draw-averaged ("test-time-augmented") teacher as a low-variance
    target; for scene images under flips and crops the class probabilities
    are nearly view-invariant. Served by the sampler, the fresh view is
    seeded with its ``view_seed`` (a function of the run's seed, the epoch
    and the sample), so resumed and multi-process runs serve the same views
    as the uninterrupted single-process run; with another sampler it comes
    from the worker's random state, as in online training.

    Args:
        dataset (dict | Dataset): the original training set (config).
        num_draws (int): augmentation draws per image (K).
        seed (int): the draws' seed.
        cache_dir (str, optional): a complete cache to train from. It is
            checked against this data list and pipeline, and its K and seed.
        target (str): ``'draw'`` (the cached output of the served draw,
            default) or ``'mean'`` (see above).
    """

    TARGETS = ('draw', 'mean')

    def __init__(self,
                 dataset: Union[dict, object],
                 num_draws: int = 4,
                 seed: int = 0,
                 cache_dir: Optional[str] = None,
                 target: str = 'draw'):
        if target not in self.TARGETS:
            raise ValueError(f'RSKDTeacherOutputDataset: target must be one '
                             f'of {self.TARGETS}, got {target!r}')
        if target == 'mean' and cache_dir is None:
            raise ValueError("RSKDTeacherOutputDataset: target='mean' needs "
                             'a cache_dir')
        self.target = target
        if num_draws < 1:
            raise ValueError(f'RSKDTeacherOutputDataset: num_draws must be '
                             f'>= 1, got {num_draws}')
        self.pipeline_cfg = None
        if isinstance(dataset, dict):
            self.pipeline_cfg = copy.deepcopy(dataset.get('pipeline'))
            dataset = DATASETS.build(dataset)
        self.dataset = dataset
        if self.pipeline_cfg is None:
            self.pipeline_cfg = repr(getattr(dataset, 'pipeline', None))
        self.num_draws = num_draws
        self.seed = seed
        self.metainfo = getattr(dataset, 'metainfo', {})
        self.cache = None
        if cache_dir is not None:
            self.cache = TeacherCache(cache_dir, mode='r')
            self.cache.check(
                self.fingerprints(),
                len(self.dataset),
                image_hashes=self.image_hashes(),
                num_draws=num_draws,
                seed=seed)

    def image_hashes(self) -> list:
        """The content hash of every image (computed once)."""
        if getattr(self, '_image_hashes', None) is None:
            self._image_hashes = image_hashes(self.dataset)
        return self._image_hashes

    def fingerprints(self) -> dict:
        return dict(
            data=data_fingerprint(self.dataset),
            pipeline=pipeline_fingerprint(self.pipeline_cfg),
            content=content_fingerprint(self.image_hashes()))

    def __len__(self) -> int:
        return len(self.dataset)

    def get_data_info(self, index):
        return self.dataset.get_data_info(index)

    def get_view(self, index: int, draw: int) -> dict:
        """Draw ``draw`` of sample ``index``, identical on every call."""
        with seeded_randomness(draw_seed(self.seed, index, draw)):
            return self.dataset[index]

    def mean_target(self, index: int) -> torch.Tensor:
        """log of the teacher's probabilities averaged over the K cached
        draws of sample ``index`` (C,)."""
        logits = torch.stack(
            [self.cache.read(index, k) for k in range(self.num_draws)])
        return torch.logsumexp(
            torch.log_softmax(logits, dim=1), dim=0) - math.log(self.num_draws)

    def __getitem__(self, index) -> dict:
        view_seed = None
        if isinstance(index, tuple):
            # (index, draw[, view_seed]): RSKDTeacherDrawSampler
            if len(index) == 3:
                index, draw, view_seed = index
            else:
                index, draw = index
            if not 0 <= draw < self.num_draws:
                raise IndexError(f'draw {draw} of sample {index}: the data '
                                 f'set has {self.num_draws} draws')
        else:
            # another sampler: a random draw from this process's RNG (not
            # reproducible after a resume; the fast KD configs use the
            # sampler)
            draw = int(np.random.randint(self.num_draws))
        if self.target == 'mean':
            if view_seed is None:  # a fresh view, the worker's RNG
                data = self.dataset[index]
            else:  # a fresh view, replayable from the sampler's seed
                with seeded_randomness(view_seed):
                    data = self.dataset[index]
            sample = data['data_samples']
            sample.set_field(
                self.mean_target(index), 'teacher_logits', field_type='data')
            sample.set_field((index, -1),
                             'teacher_draw',
                             field_type='metainfo')
            return data
        data = self.get_view(index, draw)
        if self.cache is not None:
            sample = data['data_samples']
            sample.set_field(
                self.cache.read(index, draw),
                'teacher_logits',
                field_type='data')
            sample.set_field((index, draw),
                             'teacher_draw',
                             field_type='metainfo')
        return data
