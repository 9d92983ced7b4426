# Copyright (c) rskd_mm contributors. All rights reserved.
import copy
import difflib
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.utils import add_prefix

from rskd_mm.models.utils import (accept_plain_architecture_checkpoint,
                                  load_checkpoint_strict)
from rskd_mm.registry import RAZOR_MODELS as MODELS

# Keys of the host libraries' data preprocessors that change pixel values;
# dropping them gives a preprocessor that only batches (and pads) the images.
_PIXEL_KEYS = ('mean', 'std', 'to_rgb', 'bgr_to_rgb', 'rgb_to_bgr')
# Preprocessors whose non-pixel arguments are known to batch raw images.
_RAW_CAPABLE = {
    'ClsDataPreprocessor': 'mmpretrain',
    'RSKDClsDataPreprocessor': 'mmpretrain',
    'SegDataPreProcessor': 'mmseg',
}


def raw_preprocessor_cfg(student_preprocessor: dict) -> dict:
    """Config of a preprocessor that batches like the student's, raw pixels.

    Used when the algorithm's ``data_preprocessor`` is not given: e.g. a
    student ``ClsDataPreprocessor(mean=..., std=..., to_rgb=True,
    num_classes=10, batch_augments=...)`` gives ``ClsDataPreprocessor(
    num_classes=10, batch_augments=...)``, so batch augmentations are applied
    once, to the image both models see.
    """
    cfg = copy.deepcopy(dict(student_preprocessor))
    type_name = str(cfg.get('type', '')).split('.')[-1]
    if type_name not in _RAW_CAPABLE:
        raise ValueError(
            'RSKDSingleTeacherDistill: cannot derive a raw-image data '
            f'preprocessor from the student\'s {cfg.get("type")!r}; set '
            'model.data_preprocessor to one that only batches the images')
    for key in _PIXEL_KEYS:
        cfg.pop(key, None)
    cfg['type'] = f'{_RAW_CAPABLE[type_name]}.{type_name}'
    return cfg


@MODELS.register_module()
class RSKDSingleTeacherDistill(SingleTeacherDistill):
    """Single-teacher distillation with a disciplined teacher.

    A drop-in replacement for mmrazor's ``SingleTeacherDistill`` (same config
    keys: ``architecture``, ``teacher``, ``teacher_ckpt``, ``distiller``, ...)
    that fixes what it gets wrong for KD across model families:

    * **The teacher stays in full ``eval()``** for the whole run: dropout and
      drop-path are off, not only BatchNorm statistics (mmrazor only freezes
      BN), and it runs under ``torch.no_grad()`` with frozen parameters.
    * **Each model normalises the inputs its own way.** The algorithm's
      ``data_preprocessor`` only batches the raw images (and applies batch
      augmentations once); the student's and the teacher's own
      ``data_preprocessor`` (mean/std, channel order) are applied to that
      batch. A ViT teacher trained with (0.5, 0.5, 0.5) normalisation and a
      CNN student with ImageNet statistics both see what they expect.
    * **The teacher checkpoint is loaded strictly**: a missing file, an
      unreadable file or missing/unexpected keys are errors that name the
      file and keys (mmrazor logs a warning and distils from a partly random
      teacher), and ``init_weights()`` can never overwrite the loaded
      weights.
    * The teacher runs in ``mode='tensor'`` (no needless teacher loss), and
      validation evaluates the student only: the teacher is not re-evaluated
      at every validation (use the teacher's own config with
      ``tools/test.py`` to see its accuracy once).

    Args:
        distiller (dict): a ``ConfigurableDistiller`` config.
        teacher (dict | BaseModel): the teacher model or its config.
        teacher_ckpt (str, optional): teacher weights, loaded strictly. For
            an ``RSKDEnsembleTeacher`` the members can instead carry their
            own checkpoints.
        architecture (dict | BaseModel): the student.
        data_preprocessor (dict, optional): batches the raw images. Defaults
            to the student's preprocessor type without its pixel
            normalisation (see :func:`raw_preprocessor_cfg`).
        normalize_per_model (bool): apply each model's own preprocessor to
            the raw batch (default). With False, the teacher and student get
            the algorithm preprocessor's output, as in mmrazor.
        teacher_trainable, teacher_norm_eval, student_trainable,
        calculate_student_loss, teacher_module_inplace: as in mmrazor.
    """

    def __init__(self,
                 distiller: dict,
                 teacher: Union[BaseModel, Dict],
                 architecture: Union[BaseModel, Dict],
                 teacher_ckpt: Optional[str] = None,
                 data_preprocessor: Optional[Union[Dict,
                                                   torch.nn.Module]] = None,
                 normalize_per_model: bool = True,
                 teacher_trainable: bool = False,
                 teacher_norm_eval: bool = True,
                 student_trainable: bool = True,
                 calculate_student_loss: bool = True,
                 teacher_module_inplace: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        student_dp = None
        if isinstance(architecture, dict):
            student_dp = architecture.get('data_preprocessor')
            architecture = MODELS.build(architecture)
        self.normalize_per_model = normalize_per_model
        if data_preprocessor is None and normalize_per_model:
            if student_dp:
                student_dp = dict(student_dp)
                student_dp.setdefault(
                    'type',
                    type(architecture.data_preprocessor).__name__)
            else:
                student_dp = _preprocessor_cfg_of(architecture)
            data_preprocessor = raw_preprocessor_cfg(student_dp)
        if isinstance(teacher, dict):
            teacher = MODELS.build(teacher)
        check_recorder_sources(distiller, architecture, teacher)
        super().__init__(
            distiller=distiller,
            teacher=teacher,
            teacher_ckpt=None,  # loaded strictly below
            teacher_trainable=teacher_trainable,
            teacher_norm_eval=teacher_norm_eval,
            student_trainable=student_trainable,
            calculate_student_loss=calculate_student_loss,
            teacher_module_inplace=teacher_module_inplace,
            architecture=architecture,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.teacher_ckpt = teacher_ckpt
        if teacher_ckpt:
            load_checkpoint_strict(self.teacher, teacher_ckpt, what='teacher')
            self.teacher._is_init = True
        if not teacher_trainable:
            self.teacher.eval()
            # A frozen teacher stays out of DistributedDataParallel: DDP
            # neither broadcasts its weights nor syncs its buffers (BN running
            # statistics, every forward by default) nor reduces anything for
            # it; each process has loaded it from `teacher_ckpt`.
            self._ddp_params_and_buffers_to_ignore = [
                f'teacher.{name}'
                for name, _ in self.teacher.named_parameters()
            ] + [
                f'teacher.{name}' for name, _ in self.teacher.named_buffers()
            ]
        # `load_from=<a plain student checkpoint>` fills the student
        accept_plain_architecture_checkpoint(self)

    # ------------------------------------------------------------------
    # inputs
    # ------------------------------------------------------------------
    def _model_inputs(self, model: BaseModel, batch_inputs: torch.Tensor,
                      data_samples) -> torch.Tensor:
        if not self.normalize_per_model:
            return batch_inputs
        data = model.data_preprocessor(
            dict(inputs=batch_inputs, data_samples=data_samples), False)
        return data['inputs']

    def student_inputs(self, batch_inputs, data_samples=None):
        """The batch as the student's own preprocessor would give it.

        Args:
            batch_inputs (torch.Tensor): the batch as the algorithm's data
                preprocessor gave it.
            data_samples (list, optional): the batch's data samples.

        Returns:
            torch.Tensor: the student's inputs (re-normalised with the
            student's mean and std when ``normalize_per_model``).
        """
        return self._model_inputs(self.student, batch_inputs, data_samples)

    def teacher_inputs(self, batch_inputs, data_samples=None):
        """The batch as the teacher's own preprocessor would give it.

        Args:
            batch_inputs (torch.Tensor): the batch as the algorithm's data
                preprocessor gave it.
            data_samples (list, optional): the batch's data samples.

        Returns:
            torch.Tensor: the teacher's inputs (re-normalised with the
            teacher's mean and std when ``normalize_per_model``).
        """
        return self._model_inputs(self.teacher, batch_inputs, data_samples)

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def run_teacher(self, batch_inputs: torch.Tensor,
                    data_samples: Optional[List[BaseDataElement]]) -> dict:
        """Teacher forward with its recorders on.

        Subclasses (e.g. cached-teacher KD) override this to fill the
        teacher records without running a teacher.

        Args:
            batch_inputs (torch.Tensor): the preprocessed batch.
            data_samples (list, optional): the batch's data samples.

        Returns:
            dict: the teacher's own losses (prefixed ``teacher.``) when it
            is trainable, else an empty dict.
        """
        losses = dict()
        inputs = self.teacher_inputs(batch_inputs, data_samples)
        with self.distiller.teacher_recorders, self.distiller.deliveries:
            if self.teacher_trainable:
                teacher_losses = self.teacher(
                    inputs, data_samples, mode='loss')
                losses.update(add_prefix(teacher_losses, 'teacher'))
            else:
                with torch.no_grad():
                    self.teacher(inputs, data_samples, mode='tensor')
        return losses

    def loss(self,
             batch_inputs: torch.Tensor,
             data_samples: Optional[List[BaseDataElement]] = None) -> dict:
        """Teacher forward (recorded), student forward and the KD losses.

        Args:
            batch_inputs (torch.Tensor): the preprocessed batch.
            data_samples (list, optional): the batch's data samples.

        Returns:
            dict: the student's losses (``student.``), the teacher's when it
            is trainable (``teacher.``) and the distillation losses
            (``distill.``).
        """
        losses = dict()
        self.distiller.set_deliveries_override(False)
        losses.update(self.run_teacher(batch_inputs, data_samples))

        self.distiller.set_deliveries_override(True)
        inputs = self.student_inputs(batch_inputs, data_samples)
        with self.distiller.student_recorders, self.distiller.deliveries:
            if self.calculate_student_loss:
                student_losses = self.student(
                    inputs, data_samples, mode='loss')
                losses.update(add_prefix(student_losses, 'student'))
            elif self.student_trainable:
                self.student(inputs, data_samples, mode='loss')
            else:
                with torch.no_grad():
                    self.student(inputs, data_samples, mode='loss')

        if not self.distillation_stopped:
            losses.update(
                add_prefix(self.distiller.compute_distill_losses(), 'distill'))
        return losses

    def _forward(self, inputs, data_samples=None):
        return self.student(
            self.student_inputs(inputs, data_samples),
            data_samples,
            mode='tensor')

    def _predict(self, inputs, data_samples=None):
        return self.student(
            self.student_inputs(inputs, data_samples),
            data_samples,
            mode='predict')

    def train(self, mode: bool = True):
        """Set the training mode; a frozen teacher always stays in eval mode.

        Args:
            mode (bool): training (True) or evaluation (False) mode.

        Returns:
            RSKDSingleTeacherDistill: self.
        """
        super().train(mode)
        if not self.teacher_trainable:
            # full eval: dropout, drop-path and normalisation layers alike
            self.teacher.eval()
        return self


def check_recorder_sources(distiller: dict, student: torch.nn.Module,
                           teacher: Optional[torch.nn.Module]) -> None:
    """Name a recorder that taps a module the model does not have.

    mmrazor's recorders assert ``"<source>" is not in the model`` without
    saying which model, recorder or what exists; this says all three, with
    the closest module names."""
    if not isinstance(distiller, dict):
        return
    for side, model in (('student', student), ('teacher', teacher)):
        if not isinstance(model, torch.nn.Module):
            continue
        modules = None
        for name, rec in (distiller.get(f'{side}_recorders') or {}).items():
            rtype = str(rec.get('type', ''))
            if not rtype.split('.')[-1].startswith('Module'):
                continue  # method/function/parameter recorders
            if modules is None:
                modules = [n for n, _ in model.named_modules() if n]
            source = rec.get('source')
            if source not in modules:
                close = difflib.get_close_matches(
                    str(source), modules, n=5, cutoff=0.5)
                raise ValueError(
                    f'RSKDSingleTeacherDistill: {side} recorder {name!r} '
                    f'taps {source!r}, which is not a module of the {side} '
                    f'({type(model).__name__}); close matches: {close}')


def _preprocessor_cfg_of(model) -> dict:
    """Best-effort config of a built model's data preprocessor."""
    dp = model.data_preprocessor
    name = type(dp).__name__
    cfg = dict(type=name)
    for key in ('num_classes', 'pad_size_divisor', 'pad_value', 'size',
                'size_divisor', 'pad_val', 'seg_pad_val', 'test_cfg'):
        if hasattr(dp, key):
            cfg[key] = copy.deepcopy(getattr(dp, key))
    if getattr(dp, 'batch_augments', None) is not None:
        raise ValueError(
            'RSKDSingleTeacherDistill: the student has batch augmentations; '
            'set model.data_preprocessor (with the batch_augments) so both '
            'models see the same augmented batch')
    return cfg


__all__ = [
    'RSKDSingleTeacherDistill', 'raw_preprocessor_cfg',
    'check_recorder_sources'
]
