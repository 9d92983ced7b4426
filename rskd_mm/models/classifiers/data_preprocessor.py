# Copyright (c) rskd_mm contributors. All rights reserved.
import torch
import torch.nn.functional as F
from mmpretrain.models.utils import ClsDataPreprocessor

from rskd_mm.registry import PRETRAIN_MODELS as MODELS


@MODELS.register_module()
class RSKDClsDataPreprocessor(ClsDataPreprocessor):
    r"""mmpretrain's ``ClsDataPreprocessor`` whose batch augmentations also
    mix the cached teacher outputs.

    In cached KD the teacher's output for each image comes with the data
    sample (``teacher_logits``, attached by ``RSKDTeacherOutputDataset``).
    When a batch augmentation (``Mixup``, ``CutMix``, ...) mixes image
    :math:`i` with image :math:`\pi(i)` at ratio :math:`\lambda`, the
    one-hot labels are mixed as :math:`\lambda y_i + (1-\lambda)
    y_{\pi(i)}`; this preprocessor mixes the teacher's probabilities the
    same way, with the same permutation and ratio, and hands the student

    .. math::

        \tilde z_i = \log\big(\lambda\,\mathrm{softmax}(z_i)
        + (1-\lambda)\,\mathrm{softmax}(z_{\pi(i)})\big)

    as the new ``teacher_logits`` (log-probabilities: any logit-based KD
    loss applies unchanged). This is the label mixing of FKD (Shen & Xing,
    "A Fast Knowledge Distillation Framework for Visual Recognition", ECCV
    2022, https://arxiv.org/abs/2112.01528): a cached teacher cannot see the
    mixed image, so its target is the mixture of its outputs on the two
    images. Online KD needs none of this: its teacher runs on the mixed
    image itself.

    It works with every batch augmentation that mixes the scores linearly
    (all of mmpretrain's do); the teacher outputs ride along as extra
    columns of the score matrix. Without ``teacher_logits`` in the samples,
    or outside training, it is exactly ``ClsDataPreprocessor``.

    Args: as ``ClsDataPreprocessor``.
    """

    #: ``RSKDCachedTeacherDistill`` accepts batch augments only from a
    #: preprocessor that says it mixes the teacher outputs too.
    mixes_teacher_outputs = True

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples')
        augments = self.batch_augments
        if not (training and augments is not None and samples
                and 'teacher_logits' in samples[0]):
            return super().forward(data, training)
        probs = torch.stack([
            F.softmax(s.teacher_logits.float(), dim=-1) for s in samples
        ]).to(self.device)
        mixed = {}

        def mix_with_teacher(inputs, scores):
            if scores.dim() != 2 or scores.size(0) != probs.size(0):
                raise ValueError(
                    'RSKDClsDataPreprocessor: expected (N, num_classes) '
                    f'scores for {probs.size(0)} samples, got '
                    f'{tuple(scores.shape)}')
            num_classes = scores.size(1)
            inputs, out = augments(inputs, torch.cat([scores, probs], dim=1))
            mixed['probs'] = out[:, num_classes:]
            return inputs, out[:, :num_classes]

        self.batch_augments = mix_with_teacher
        try:
            result = super().forward(data, training)
        finally:
            self.batch_augments = augments
        if 'probs' in mixed:
            logp = mixed['probs'].clamp_min(
                torch.finfo(mixed['probs'].dtype).tiny).log()
            for sample, row in zip(result['data_samples'], logp):
                sample.set_field(
                    row.to(sample.teacher_logits.dtype),
                    'teacher_logits',
                    field_type='data')
        return result


__all__ = ['RSKDClsDataPreprocessor']
