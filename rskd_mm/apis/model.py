# Copyright (c) rskd_mm contributors. All rights reserved.
"""Build a model for inference from a config and a checkpoint, and wrap it
as a plain ``pixels -> logits`` module that the raster tools and the ONNX
export share.

The wrapper takes what a raster gives: float pixels in the image's value
range (0-255 after the raster tools' ``--scale``), bands in R, G, B order,
shape ``(N, C, H, W)``. It applies the model's own data preprocessor
(channel order, mean and std) and returns class logits: ``(N, K)`` for a
classifier, ``(N, K, H, W)`` (at the input size) for a segmentor. Putting
the preprocessing inside the module keeps PyTorch and ONNX Runtime
identical: an exported model takes the same input as the PyTorch one.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    'RasterInputError', 'InferenceModel', 'init_model', 'model_task',
    'class_meta'
]


class RasterInputError(ValueError):
    """An input of the inference or deployment tools does not fit (a raster
    without georeferencing, a band count or value type the model cannot
    take, a config that is not a classifier or segmentor). The message
    names the file and the mismatch."""


def model_task(model: nn.Module) -> str:
    """``'seg'`` for an mmseg segmentor, ``'cls'`` for an mmpretrain
    classifier; anything else is a :class:`RasterInputError`."""
    from mmpretrain.models.classifiers import BaseClassifier
    from mmseg.models.segmentors import BaseSegmentor
    if isinstance(model, BaseSegmentor):
        return 'seg'
    if isinstance(model, BaseClassifier):
        return 'cls'
    raise RasterInputError(
        f'{type(model).__name__} is neither an mmseg segmentor nor an '
        'mmpretrain classifier; give the config of the student (or teacher) '
        'itself, not of a distillation or pruning algorithm (e.g. the '
        'EDP-CTNet `sub_model` config, or the student config with the '
        'checkpoint of tools/model_converters/distill_to_student.py)')


def _state_for(model: nn.Module, checkpoint: str):
    """The weights of ``checkpoint`` for ``model``: a plain model
    checkpoint, or the student of a distillation checkpoint (keys under
    ``architecture.``), which is used as it is (and said so)."""
    from mmengine.logging import print_log

    from rskd_mm.engine.hooks.student_checkpoint_hook import student_state_dict
    from rskd_mm.models.utils import extract_state_dict, read_checkpoint
    ckpt = read_checkpoint(checkpoint, what='checkpoint')
    state = extract_state_dict(ckpt, checkpoint)
    own = model.state_dict()
    if not any(k in own for k in state) and any(
            k.startswith('architecture.') for k in state):
        state = student_state_dict(state, 'architecture.')
        print_log(
            f'{checkpoint}: a distillation checkpoint; using its student '
            '(`architecture.*`)',
            logger='current')
    return ckpt, state


def class_meta(cfg,
               checkpoint_meta: Optional[dict],
               num_classes: int,
               task: str = 'seg') -> Tuple[List[str], List[Tuple[int]]]:
    """Class names and palette: from the checkpoint's ``dataset_meta`` (what
    mmengine saves), else from the config's test data set (its class's
    ``METAINFO``, the config's ``metainfo``, or the ``meta/classes.txt`` of
    an ``RSKDSceneDataset``), else generated (``class_0``, ... with a fixed
    random palette)."""
    meta = dict((checkpoint_meta or {}).get('dataset_meta') or {})
    if not meta.get('classes'):
        meta = _dataset_meta(cfg, task)
    classes = list(meta.get('classes') or [])
    if len(classes) != num_classes:
        classes = [f'class_{i}' for i in range(num_classes)]
    palette = [tuple(int(c) for c in p) for p in meta.get('palette') or []]
    if len(palette) != num_classes:
        gen = torch.Generator().manual_seed(0)
        palette = [
            tuple(int(c) for c in row)
            for row in torch.randint(0, 256, (num_classes, 3), generator=gen)
        ]
    return classes, palette


def _dataset_meta(cfg, task: str) -> dict:
    try:
        ds_cfg = cfg.test_dataloader.dataset
    except AttributeError:
        return {}
    if task == 'cls':
        from mmpretrain.registry import DATASETS
    else:
        from mmseg.registry import DATASETS
    ds_cls = DATASETS.get(ds_cfg.get('type', ''))
    meta = dict(getattr(ds_cls, 'METAINFO', None) or {})
    meta.update(ds_cfg.get('metainfo') or {})
    if not meta.get('classes') and ds_cfg.get('type') == 'RSKDSceneDataset':
        from rskd_mm.datasets.annotation_check import read_classes_file
        path = osp.join(
            ds_cfg.get('data_root') or '',
            ds_cfg.get('classes_file', 'meta/classes.txt'))
        if osp.isfile(path):
            meta['classes'] = read_classes_file(path)
    return meta


class InferenceModel(nn.Module):
    """``pixels (N, C, H, W), R-G-B order, 0-255 -> logits``.

    Args:
        model (nn.Module): an mmseg segmentor or mmpretrain classifier (in
            eval mode).
        task (str): ``'seg'`` or ``'cls'`` (see :func:`model_task`).
    """

    def __init__(self, model: nn.Module, task: str):
        super().__init__()
        self.model = model
        self.task = task
        pre = model.data_preprocessor
        # mmcv reads images as B-G-R; a preprocessor that converts them
        # (``bgr_to_rgb`` / ``to_rgb``) was trained on R-G-B, which is what
        # a raster gives; one that does not was trained on B-G-R.
        converts = bool(
            getattr(pre, 'channel_conversion', False)
            or getattr(pre, 'to_rgb', False))
        self.flip_to_bgr = not converts
        if getattr(pre, '_enable_normalize', False):
            mean = pre.mean.detach().clone().reshape(1, -1, 1, 1)
            std = pre.std.detach().clone().reshape(1, -1, 1, 1)
        else:
            mean, std = torch.zeros(1, 1, 1, 1), torch.ones(1, 1, 1, 1)
        self.register_buffer('mean', mean.float(), persistent=False)
        self.register_buffer('std', std.float(), persistent=False)

    @property
    def in_channels(self) -> int:
        """The band count the model takes (that of its normalisation, 3
        when it does not normalise)."""
        return self.mean.shape[1] if self.mean.shape[1] > 1 else 3

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = pixels
        if self.flip_to_bgr and x.shape[1] == 3:
            x = x.flip(1)
        x = (x - self.mean) / self.std
        if self.task == 'cls':
            feats = self.model.extract_feat(x)
            # an ensemble teacher's features are already its fused logits
            head = getattr(self.model, 'head', None)
            return head(feats) if head is not None else feats
        feats = self.model.extract_feat(x)
        head = self.model.decode_head
        logits = head.forward(feats)
        return F.interpolate(
            logits,
            size=x.shape[-2:],
            mode='bilinear',
            align_corners=getattr(head, 'align_corners', False))


def init_model(config,
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None):
    """Build the model of ``config`` and load ``checkpoint`` strictly.

    Unlike mmseg's and mmpretrain's ``init_model`` (which load non-strictly
    and only warn), a checkpoint that does not fit the model is a
    :class:`~rskd_mm.models.utils.CheckpointMismatchError` naming the file
    and the first mismatched, missing and unexpected keys. A distillation
    checkpoint is accepted: its student (``architecture.*``) is loaded.
    With ``test_compile`` in the config (or ``cfg_options``), the model's
    sub-networks run through ``torch.compile`` (see
    :mod:`rskd_mm.models.utils.compile`).

    Returns:
        tuple: ``(wrapper, cfg, info)``: the :class:`InferenceModel` in
        eval mode on ``device``, the config, and a dict with ``task``,
        ``classes``, ``palette``, ``num_classes`` and ``config``.
    """
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    from rskd_mm.models.utils import (CheckpointMismatchError, compile_options,
                                      compile_submodules, format_mismatch,
                                      map_state_dict, state_dict_mismatch)
    cfg_name = config if isinstance(config, str) else '<config>'
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        cfg = Config.fromfile(config)
    else:
        cfg = config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = dict(cfg.model)
    model_cfg.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    task = model_task(model)
    meta = None
    if checkpoint is not None:
        ckpt, state = _state_for(model, checkpoint)
        state = map_state_dict(model, state)
        missing, unexpected, mismatched = state_dict_mismatch(model, state)
        if missing or unexpected or mismatched:
            raise CheckpointMismatchError(
                f'checkpoint {checkpoint} does not match the model of '
                f'{cfg_name} ({type(model).__name__}); is it for another '
                'architecture or another pruning (fix_subnet)?\n' +
                format_mismatch(missing, unexpected, mismatched,
                                model.state_dict().keys(), state.keys()))
        model.load_state_dict(state, strict=True)
        meta = ckpt.get('meta')
    model.eval()
    options = compile_options(cfg.get('test_compile'))
    if options is not None:
        compile_submodules(model, options)
    wrapper = InferenceModel(model, task).to(device).eval()
    num_classes = _num_classes(wrapper, cfg)
    classes, palette = class_meta(cfg, meta, num_classes, task)
    info = dict(
        task=task,
        classes=classes,
        palette=palette,
        num_classes=num_classes,
        config=cfg_name,
        checkpoint=checkpoint)
    return wrapper, cfg, info


def _num_classes(wrapper: InferenceModel, cfg) -> int:
    model = wrapper.model
    if wrapper.task == 'seg':
        return int(model.decode_head.num_classes)
    head = getattr(model, 'head', None)
    n = getattr(head, 'num_classes', None)
    if n is None:
        with torch.no_grad():
            size = _input_size(cfg, 'cls') or (64, 64)
            n = wrapper(
                torch.zeros(
                    1, wrapper.in_channels, *size,
                    device=wrapper.mean.device)).shape[1]
    return int(n)


def _input_size(cfg, task: str) -> Optional[Tuple[int, int]]:
    """The (H, W) the test pipeline feeds a classifier (its last resize or
    crop with a fixed size); None when it keeps the image size."""
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        return None
    size = None
    for t in pipeline:
        kind = t.get('type', '')
        if kind in ('Resize', 'CenterCrop', 'RandomResizedCrop'):
            s = t.get('scale', t.get('crop_size'))
            if s is None:
                continue
            if isinstance(s, int):
                size = (s, s)
            elif isinstance(s, Sequence) and len(s) == 2:
                # mmcv scales are (w, h)
                size = (int(s[1]), int(s[0]))
    return size


def input_size(cfg, task: str) -> Optional[Tuple[int, int]]:
    """Public alias of the test-pipeline input size (see the raster
    tools' ``--input-size``)."""
    return _input_size(cfg, task)
