# Copyright (c) rskd_mm contributors. All rights reserved.
"""The sampler of cached-teacher (fast KD) training."""
import hashlib
from typing import Iterator, Optional, Tuple

from mmengine.dataset import DefaultSampler

from rskd_mm.registry import ENGINE_DATA_SAMPLERS as DATA_SAMPLERS


def epoch_draw(seed: int, epoch: int, index: int, num_draws: int) -> int:
    """Which of the ``num_draws`` cached draws sample ``index`` is served as
    in ``epoch``: a pure function of its arguments."""
    digest = hashlib.sha256(f'choice:{seed}:{epoch}:{index}'.encode()).digest()
    return int.from_bytes(digest[:8], 'little') % num_draws


def epoch_view_seed(seed: int, epoch: int, index: int) -> int:
    """The 32-bit seed of the fresh random view of sample ``index`` in
    ``epoch`` (the view of ``target='mean'`` training): a pure function of
    its arguments, new in every epoch."""
    digest = hashlib.sha256(f'view:{seed}:{epoch}:{index}'.encode()).digest()
    return int.from_bytes(digest[:4], 'little')


@DATA_SAMPLERS.register_module()
class RSKDTeacherDrawSampler(DefaultSampler):
    """mmengine's :class:`DefaultSampler` for an
    :class:`~rskd_mm.datasets.RSKDTeacherOutputDataset`: it also chooses
    which cached augmentation draw each sample is served as, and yields
    ``(index, draw, view_seed)`` triples.

    The draw is ``epoch_draw(seed, epoch, index, K)``: it depends only on the
    sampler's seed (synchronised across ranks, like the shuffle), the epoch
    (set by mmengine's ``DistSamplerSeedHook``) and the sample, not on any
    process's random state. ``view_seed`` is ``epoch_view_seed(seed,
    epoch, index)``: with ``target='mean'`` the dataset serves a fresh view
    of the pipeline every epoch, drawn from this seed rather than from the
    worker's random state. So

    * a run resumed with ``--resume`` serves every later epoch exactly as
      the uninterrupted run would (the same order, the same draws, hence the
      same replayed augmentation and cached teacher outputs, or with
      ``target='mean'`` the same fresh views), and
    * a run on N processes sees the same global batches and draws as a run on
      one process with N times the batch size.

    Args are :class:`DefaultSampler`'s.
    """

    def __init__(self,
                 dataset,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if not hasattr(dataset, 'num_draws'):
            raise TypeError(
                'RSKDTeacherDrawSampler serves the draws of an '
                'RSKDTeacherOutputDataset (train_dataloader.dataset.type); '
                f'got {type(dataset).__name__}')
        super().__init__(
            dataset, shuffle=shuffle, seed=seed, round_up=round_up)

    def __iter__(self) -> Iterator[Tuple[int, int, int]]:
        k = self.dataset.num_draws
        for index in super().__iter__():
            yield (index, epoch_draw(self.seed, self.epoch, index, k),
                   epoch_view_seed(self.seed, self.epoch, index))
