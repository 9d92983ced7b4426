# Copyright (c) rskd_mm contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.structures import DataSample

from rskd_mm.models.utils import load_checkpoint_strict
from rskd_mm.registry import PRETRAIN_MODELS as MODELS

FUSIONS = ('prob', 'logit')


class EnsembleFusion(nn.Module):
    r"""Weighted fusion of member logits, a module so recorders can tap it.

    ``'prob'``: :math:`p = \sum_i w_i\,\mathrm{softmax}(z_i)`, returned as
    :math:`\log p` so that a softmax downstream gives back :math:`p`;
    ``'logit'``: :math:`z = \sum_i w_i z_i`. Weights are normalised to sum 1.
    """

    def __init__(self, weights: Sequence[float], fusion: str = 'prob'):
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f'RSKDEnsembleTeacher: fusion must be one of '
                             f'{FUSIONS}, got {fusion!r}')
        weights = torch.as_tensor(weights, dtype=torch.float32)
        if weights.dim() != 1 or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError('RSKDEnsembleTeacher: weights must be '
                             f'non-negative with a positive sum, got '
                             f'{weights.tolist()}')
        self.fusion = fusion
        self.register_buffer(
            'weights', weights / weights.sum(), persistent=False)

    def forward(self, member_logits: List[torch.Tensor]) -> torch.Tensor:
        stacked = torch.stack(member_logits, dim=0)  # (M, N, C)
        w = self.weights.to(stacked.dtype).view(-1, 1, 1)
        if self.fusion == 'logit':
            return (w * stacked).sum(0)
        log_probs = F.log_softmax(stacked.float(), dim=-1)
        # log sum_i w_i p_i, computed stably
        return torch.logsumexp(
            log_probs + w.float().log(), dim=0).to(stacked.dtype)

    def extra_repr(self) -> str:
        return f'fusion={self.fusion!r}, weights={self.weights.tolist()}'


@MODELS.register_module()
class RSKDEnsembleTeacher(BaseClassifier):
    """A hybrid ensemble of classifiers, e.g. a CNN and a vision transformer.

    The teacher of HMKD-Net: any number of member classifiers, each an
    ordinary mmpretrain model config (ResNet, EfficientNet, ViT, Swin, a timm
    model through ``TIMMBackbone``, ...) with **its own data preprocessor**
    (input normalisation) and **its own checkpoint**, fused by configurable
    weights. The ensemble's own data preprocessor only batches the raw images
    (no normalisation): every member normalises them its own way.

    It is a regular mmpretrain classifier: ``tools/test.py`` evaluates it like
    any other (``mode='predict'``), ``mode='tensor'`` returns the fused
    logits, and the fused output passes through the ``fusion`` submodule so
    mmrazor recorders can tap it (``source='fusion'``), as they can tap any
    member (``source='members.<name>.head.fc'``).

    Args:
        members (list[dict]): one dict per member with keys ``model`` (a
            classifier config), optional ``name`` (defaults to ``member<i>``),
            ``checkpoint`` (path loaded strictly: missing or unexpected keys
            are an error naming them) and ``weight`` (defaults to 1).
        fusion (str): ``'prob'`` averages probabilities (default),
            ``'logit'`` averages logits.
        data_preprocessor (dict, optional): batches the raw images; defaults
            to a ``ClsDataPreprocessor`` without normalisation.
        init_cfg (dict, optional): for the ensemble itself.

    Example::

        teacher = dict(
            type='RSKDEnsembleTeacher',
            fusion='prob',
            members=[
                dict(name='resnet50', model=resnet50_cfg, weight=1.0,
                     checkpoint='work_dirs/resnet50/epoch_100.pth'),
                dict(name='vit', model=vit_cfg, weight=1.0,
                     checkpoint='work_dirs/vit/epoch_100.pth'),
            ])
    """

    def __init__(self,
                 members: List[dict],
                 fusion: str = 'prob',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='ClsDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            init_cfg=init_cfg, data_preprocessor=data_preprocessor)
        if not isinstance(members, (list, tuple)) or not members:
            raise ValueError('RSKDEnsembleTeacher: members must be a '
                             f'non-empty list of dicts, got {members!r}')
        self.members = nn.ModuleDict()
        weights = []
        for i, member in enumerate(members):
            if not isinstance(member, dict) or 'model' not in member:
                raise KeyError(f'RSKDEnsembleTeacher: members[{i}] needs a '
                               f'"model" config, got {member!r}')
            unknown = set(member) - {'model', 'name', 'checkpoint', 'weight'}
            if unknown:
                raise KeyError(f'RSKDEnsembleTeacher: members[{i}] has '
                               f'unknown keys {sorted(unknown)}')
            name = member.get('name', f'member{i}')
            if name in self.members:
                raise ValueError(
                    f'RSKDEnsembleTeacher: duplicate member name {name!r}')
            model = member['model']
            if isinstance(model, dict):
                model = MODELS.build(model)
            if not isinstance(model, BaseClassifier):
                raise TypeError(f'RSKDEnsembleTeacher: member {name!r} must '
                                'be an mmpretrain classifier, got '
                                f'{type(model).__name__}')
            if member.get('checkpoint'):
                load_checkpoint_strict(
                    model, member['checkpoint'], what=f'member {name!r}')
                # init_weights() must never overwrite loaded weights.
                model._is_init = True
            self.members[name] = model
            weights.append(float(member.get('weight', 1.0)))
        self.fusion = EnsembleFusion(weights, fusion)

    def member_logits(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Each member's logits, after that member's own preprocessing."""
        out = {}
        for name, member in self.members.items():
            data = member.data_preprocessor(dict(inputs=inputs), False)
            out[name] = member(data['inputs'], mode='tensor')
        self._check_classes(out)
        return out

    def _check_classes(self, logits: Dict[str, torch.Tensor]) -> None:
        # ints: under jit tracing (e.g. FLOP counting) sizes are tensors
        shapes = {
            name: tuple(int(s) for s in v.shape)
            for name, v in logits.items()
        }
        if len(set(shapes.values())) > 1:
            raise ValueError('RSKDEnsembleTeacher: members disagree on the '
                             f'output shape (number of classes): {shapes}')

    def extract_feat(self, inputs: torch.Tensor):
        """The fused logits (the ensemble has no shared feature space)."""
        return self.fusion(list(self.member_logits(inputs).values()))

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """Negative log-likelihood of the fused prediction (fine-tuning)."""
        logits = self.extract_feat(inputs)
        target = torch.cat([s.gt_label
                            for s in data_samples]).to(logits.device)
        if self.fusion.fusion == 'prob':
            loss = F.nll_loss(logits, target)
        else:
            loss = F.cross_entropy(logits, target)
        return dict(loss=loss)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        scores = F.softmax(self.extract_feat(inputs), dim=1)
        labels = scores.argmax(dim=1, keepdim=True).detach()
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.size(0))]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

    def get_layer_depth(self, *args, **kwargs):  # pragma: no cover
        raise NotImplementedError(
            'RSKDEnsembleTeacher has no layer-wise learning-rate decay')


__all__ = ['RSKDEnsembleTeacher', 'EnsembleFusion']
