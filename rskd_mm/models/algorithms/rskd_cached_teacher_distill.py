# Copyright (c) rskd_mm contributors. All rights reserved.
import copy
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from rskd_mm.registry import RAZOR_MODELS as MODELS
from rskd_mm.structures.teacher_cache import TeacherCache, teacher_fingerprint
from .rskd_single_teacher_distill import RSKDSingleTeacherDistill


class _NoTeacher(BaseModel):
    """Placeholder for the teacher that is *not* built in cached KD."""

    def forward(self, *args, **kwargs):
        raise RuntimeError('cached KD has no teacher to run; the teacher '
                           'outputs come from the teacher cache')


@MODELS.register_module()
class RSKDCachedTeacherDistill(RSKDSingleTeacherDistill):
    """Distillation from cached teacher outputs (fast KD).

    The same config as :class:`RSKDSingleTeacherDistill` (the ``teacher``
    and ``teacher_ckpt`` stay, so the cache can be checked against them) plus
    ``teacher_cache``. The teacher is **not built and not run**: the training
    set is wrapped in ``RSKDTeacherOutputDataset``, which replays the exact
    augmented view the teacher saw and attaches the teacher's logits for it;
    every teacher recorder of the distiller is replaced by an
    ``RSKDCachedOutputs`` recorder holding them, so any logit-based KD loss
    and its ``loss_forward_mappings`` work unchanged.

    Build the cache with ``tools/cache_teacher_outputs.py CONFIG``; see
    ``configs/fastkd/README.md``.

    Batch augmentations (Mixup, CutMix) need the student's data
    preprocessor to be ``RSKDClsDataPreprocessor``, which mixes the cached
    teacher outputs with the same permutation and ratio as the images.

    Args:
        teacher_cache (str): the cache directory.
        verify_teacher (bool): check the cache's teacher fingerprint against
            the config's teacher and the contents of its checkpoint files
            (default). Needs the checkpoint files, not the teacher.
        Other arguments: as :class:`RSKDSingleTeacherDistill`.
    """

    def __init__(self,
                 distiller: dict,
                 teacher: Union[BaseModel, Dict],
                 architecture: Union[BaseModel, Dict],
                 teacher_cache: str,
                 teacher_ckpt: Optional[str] = None,
                 verify_teacher: bool = True,
                 **kwargs) -> None:
        if not teacher_cache:
            raise ValueError('RSKDCachedTeacherDistill: teacher_cache must '
                             'name a cache directory')
        self.cache = TeacherCache(teacher_cache, mode='r')
        if verify_teacher:
            if not isinstance(teacher, dict):
                raise TypeError('RSKDCachedTeacherDistill: verify_teacher '
                                'needs the teacher as a config dict')
            self.cache.check(
                dict(teacher=teacher_fingerprint(teacher, teacher_ckpt)),
                self.cache.meta['num_samples'])
        distiller = copy.deepcopy(dict(distiller))
        recorders = dict(distiller.get('teacher_recorders') or {})
        if not recorders:
            raise ValueError('RSKDCachedTeacherDistill: the distiller has no '
                             'teacher_recorders to fill from the cache')
        distiller['teacher_recorders'] = {
            name: dict(type='RSKDCachedOutputs', source=cfg.get('source'))
            for name, cfg in recorders.items()
        }
        super().__init__(
            distiller=distiller,
            teacher=_NoTeacher(),
            architecture=architecture,
            teacher_ckpt=None,
            **kwargs)
        self.teacher_cache = teacher_cache
        if (getattr(self.data_preprocessor, 'batch_augments', None) is not None
                and not getattr(self.data_preprocessor,
                                'mixes_teacher_outputs', False)):
            raise ValueError(
                'RSKDCachedTeacherDistill: the data preprocessor '
                f'{type(self.data_preprocessor).__name__} has batch_augments '
                'but cannot mix the cached teacher outputs with the images, '
                'so every mixed image would be distilled towards the '
                'unmixed teacher output; set the student\'s '
                "data_preprocessor type='RSKDClsDataPreprocessor'")

    def run_teacher(self, batch_inputs: torch.Tensor,
                    data_samples: Optional[List[BaseDataElement]]) -> dict:
        """Fill the teacher recorders from the batch's cached logits.

        Args:
            batch_inputs (torch.Tensor): the preprocessed batch (only its
                device is used).
            data_samples (list): the batch's data samples, each with the
                ``teacher_logits`` that ``RSKDTeacherOutputDataset`` attached.

        Returns:
            dict: an empty dict (a cached teacher has no losses).
        """
        if not data_samples or 'teacher_logits' not in data_samples[0]:
            raise RuntimeError(
                'cached KD: the batch has no teacher_logits; wrap the '
                'training set in RSKDTeacherOutputDataset with cache_dir='
                f'{self.teacher_cache!r}')
        logits = torch.stack([s.teacher_logits
                              for s in data_samples]).to(batch_inputs.device)
        with self.distiller.teacher_recorders:
            for recorder in self.distiller.teacher_recorders.recorders.values(
            ):
                recorder.push(logits)
        return dict()


__all__ = ['RSKDCachedTeacherDistill']
