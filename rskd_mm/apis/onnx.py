# Copyright (c) rskd_mm contributors. All rights reserved.
"""Export a classifier or segmentor (students included, a pruned EDP-CTNet
with its ``fix_subnet`` too) to ONNX, and check ONNX Runtime against
PyTorch on real inputs.

The ONNX model is :class:`~rskd_mm.apis.InferenceModel`: input ``pixels``
``(N, C, H, W)`` float32, R-G-B, 0-255 (the model's normalisation is in the
graph); output ``logits`` ``(N, K)`` or ``(N, K, H, W)``. The batch axis is
dynamic, and for segmentors height and width too (``dynamic_hw``).

Attention: by default (``ort_attention=True``) every
``F.scaled_dot_product_attention`` call without mask or causal flag (the
transformer path of DP-CTNet, mmpretrain's and timm's ViTs) is exported as
ONNX Runtime's fused ``com.microsoft.MultiHeadAttention`` instead of the
MatMul-Softmax-MatMul chain of the standard exporter, which materialises the
tokens x tokens matrix of every head: on EDP-CTNet-tiny at 384 px (2,304
tokens) that chain took 160 of ONNX Runtime's 170 ms, and made it slower
than PyTorch (whose CPU attention is fused). Such a file runs on ONNX
Runtime (any of its execution providers) but not on other ONNX back-ends;
``ort_attention=False`` (``pytorch2onnx.py --standard-ops``) writes
standard operators only.
"""
import contextlib
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from rskd_mm.utils.paths import check_outputs
from .model import RasterInputError, init_model, input_size

__all__ = [
    'OnnxParityError', 'export_onnx', 'write_onnx', 'onnx_parity',
    'real_inputs'
]

#: largest |ONNX Runtime - PyTorch| logit difference accepted by default
DEFAULT_TOLERANCE = 1e-3


class OnnxParityError(RuntimeError):
    """ONNX Runtime's outputs differ from PyTorch's by more than the
    tolerance (the exported file is not written)."""


def _fit(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Crop (top-left) or edge-pad a (C, H, W) image to (h, w)."""
    img = img[:, :h, :w]
    ph, pw = h - img.shape[1], w - img.shape[2]
    if ph > 0 or pw > 0:
        img = np.pad(
            img, ((0, 0), (0, max(ph, 0)), (0, max(pw, 0))), mode='edge')
    return img


def real_inputs(cfg,
                shape: Sequence[int],
                num: int = 2,
                files: Optional[List[str]] = None) -> np.ndarray:
    """``num`` real images as a float32 ``(N, 3, H, W)`` R-G-B batch: the
    given image ``files``, else the first images of the config's test set
    (through its test pipeline), cropped or padded to ``shape``."""
    h, w = int(shape[0]), int(shape[1])
    imgs = []
    if files:
        import mmcv
        for f in files:
            if not osp.isfile(f):
                raise FileNotFoundError(f'input image not found: {f}')
            img = mmcv.imread(f, channel_order='rgb')
            if img is None:
                raise RasterInputError(f'{f}: not a readable image')
            img = np.ascontiguousarray(img.transpose(2, 0, 1))
            if img.shape[1:] != (h, w) and min(img.shape[1:]) >= min(h, w):
                img = mmcv.imresize(img.transpose(1, 2, 0),
                                    (w, h)).transpose(2, 0, 1)
            imgs.append(_fit(img, h, w))
    else:
        from mmengine.registry import DATASETS
        ds_cfg = cfg.test_dataloader.dataset
        try:
            dataset = DATASETS.build(ds_cfg)
        except Exception as exc:  # noqa: BLE001 - re-raised with the cause
            raise RasterInputError(
                'no real inputs for the ONNX check: the test set of the '
                f'config could not be read ({type(exc).__name__}: '
                f'{str(exc).splitlines()[0] if str(exc) else ""}); give '
                'images with --inputs, or set its data_root with '
                '--cfg-options test_dataloader.dataset.data_root=DIR') \
                from exc
        for i in range(min(num, len(dataset))):
            sample = dataset[i]
            img = sample['inputs'].numpy()  # (C, H, W), B-G-R as mmcv reads
            imgs.append(_fit(img[::-1].copy(), h, w))
    if not imgs:
        raise RasterInputError('no real inputs for the ONNX check')
    return np.stack(imgs).astype(np.float32)


def onnx_parity(onnx_path: str, wrapper, inputs: np.ndarray) -> Dict:
    """Run ``inputs`` through ONNX Runtime and PyTorch: the largest
    absolute logit difference and the share of equal top-1 classes."""
    import onnxruntime as ort
    sess = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
    name = sess.get_inputs()[0].name
    ort_out = sess.run(None, {name: inputs})[0]
    with torch.no_grad():
        device = wrapper.mean.device
        pt_out = wrapper(torch.from_numpy(inputs).to(device)).cpu().numpy()
    if ort_out.shape != pt_out.shape:
        raise RuntimeError(f'{onnx_path}: ONNX Runtime output shape '
                           f'{ort_out.shape} != PyTorch {pt_out.shape}')
    return dict(
        max_abs_diff=float(np.abs(ort_out - pt_out).max()),
        top1_agreement=float((ort_out.argmax(1) == pt_out.argmax(1)).mean()),
        output_shape=list(pt_out.shape))


class _OrtMultiHeadAttention(torch.autograd.Function):
    """``F.scaled_dot_product_attention(q, k, v, scale=scale)`` on
    ``(B, heads, N, d)`` tensors, exported as ONNX Runtime's
    ``com.microsoft.MultiHeadAttention`` on ``(B, N, heads * d)``."""

    @staticmethod
    def forward(ctx, q, k, v, num_heads, scale):
        return _SDPA(q, k, v, scale=scale)

    @staticmethod
    def symbolic(g, q, k, v, num_heads, scale):
        perm = [0, 2, 1, 3]
        flat = g.op(
            'Constant', value_t=torch.tensor([0, 0, -1], dtype=torch.int64))

        def pack(t):  # (B, h, N, d) -> (B, N, h * d)
            return g.op('Reshape', g.op('Transpose', t, perm_i=perm), flat)

        attrs = dict(num_heads_i=num_heads)
        if scale is not None:
            attrs['scale_f'] = float(scale)
        out = g.op('com.microsoft::MultiHeadAttention', pack(q), pack(k),
                   pack(v), **attrs)
        heads = g.op(
            'Constant',
            value_t=torch.tensor([0, 0, num_heads, -1], dtype=torch.int64))
        return g.op('Transpose', g.op('Reshape', out, heads), perm_i=perm)


_SDPA = torch.nn.functional.scaled_dot_product_attention


def _sdpa_for_ort(query,
                  key,
                  value,
                  attn_mask=None,
                  dropout_p=0.0,
                  is_causal=False,
                  scale=None,
                  **kwargs):
    fusable = (
        attn_mask is None and not is_causal and not kwargs.get('enable_gqa')
        and query.dim() == 4 and key.dim() == 4
        and query.shape[1] == key.shape[1] == value.shape[1])
    if not fusable:
        return _SDPA(
            query,
            key,
            value,
            attn_mask,
            dropout_p,
            is_causal,
            scale=scale,
            **kwargs)
    return _OrtMultiHeadAttention.apply(query, key, value, int(query.shape[1]),
                                        scale)


@contextlib.contextmanager
def _ort_attention(enabled: bool):
    """While exporting, route ``F.scaled_dot_product_attention`` to the
    fused ONNX Runtime operator (see the module docstring)."""
    if not enabled:
        yield
        return
    F = torch.nn.functional
    F.scaled_dot_product_attention = _sdpa_for_ort
    try:
        yield
    finally:
        F.scaled_dot_product_attention = _SDPA


def write_onnx(wrapper,
               path: str,
               example: np.ndarray,
               dynamic_hw: bool,
               opset: int = 17,
               ort_attention: bool = True) -> str:
    """Trace ``wrapper`` (an :class:`~rskd_mm.apis.InferenceModel`) on
    ``example`` (N, C, H, W) and write it to ``path``: input ``pixels``,
    output ``logits``, a dynamic batch axis, and dynamic height and width
    when ``dynamic_hw`` (segmentors); attention as ONNX Runtime's fused
    operator when ``ort_attention``. No check: see :func:`export_onnx`."""
    axes = {0: 'batch'}
    if dynamic_hw:
        axes.update({2: 'height', 3: 'width'})
    out_axes = dict(axes) if wrapper.task == 'seg' else {0: 'batch'}
    with warnings.catch_warnings(), torch.no_grad(), _ort_attention(
            ort_attention):
        warnings.simplefilter('ignore')
        torch.onnx.export(
            wrapper.cpu().eval(),
            (torch.from_numpy(np.ascontiguousarray(example, np.float32)), ),
            path,
            input_names=['pixels'],
            output_names=['logits'],
            dynamic_axes=dict(pixels=axes, logits=out_axes),
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)
    return path


def export_onnx(config,
                checkpoint: Optional[str],
                out: str,
                shape: Optional[Sequence[int]] = None,
                dynamic_hw: Optional[bool] = None,
                opset: int = 17,
                inputs: Optional[np.ndarray] = None,
                input_files: Optional[List[str]] = None,
                tolerance: float = DEFAULT_TOLERANCE,
                cfg_options: Optional[dict] = None,
                ort_attention: bool = True) -> Dict:
    """Export the model of ``config`` + ``checkpoint`` to ``out`` (written
    atomically), check it with ``onnx.checker`` and compare ONNX Runtime
    with PyTorch on real inputs; a difference above ``tolerance`` is an
    error (and nothing is written).

    Args:
        shape (H, W): the example input size (default: the config's test
            size, else 64 for classifiers and 512 for segmentors).
        dynamic_hw (bool): dynamic height and width (default: True for
            segmentors, False for classifiers).
        inputs (ndarray): the real inputs (default: :func:`real_inputs`).
        ort_attention (bool): attention as ONNX Runtime's fused operator
            (default); False: standard ONNX operators only.
    """
    import onnx
    check_outputs(
        dict(
            config=config if isinstance(config, str) else None,
            checkpoint=checkpoint,
            **{f'input {i}': f
               for i, f in enumerate(input_files or [])}),
        dict(output=out),
        prog='pytorch2onnx')
    wrapper, cfg, info = init_model(config, checkpoint, 'cpu', cfg_options)
    task = info['task']
    if shape is None:
        size = input_size(cfg, task)
        default = 64 if task == 'cls' else 512
        shape = (max(size), max(size)) if (size and task == 'seg') else (
            size or (default, default))
    shape = (int(shape[0]), int(shape[1]))
    if dynamic_hw is None:
        dynamic_hw = task == 'seg'
    if inputs is None:
        inputs = real_inputs(cfg, shape, files=input_files)
    d = osp.dirname(osp.abspath(out))
    os.makedirs(d, exist_ok=True)
    tmp = osp.join(d, f'.{osp.basename(out)}.tmp{os.getpid()}.onnx')
    try:
        write_onnx(wrapper, tmp, inputs[:1], dynamic_hw, opset, ort_attention)
        onnx.checker.check_model(tmp)
        parity = onnx_parity(tmp, wrapper, inputs)
        if dynamic_hw and task == 'seg':
            # a second size, to show the dynamic axes work
            h2, w2 = shape[0] // 2, shape[1] // 2
            parity['second_size'] = [h2, w2]
            parity['max_abs_diff_second_size'] = onnx_parity(
                tmp, wrapper,
                np.ascontiguousarray(inputs[:, :, :h2, :w2]))['max_abs_diff']
        worst = max(parity['max_abs_diff'],
                    parity.get('max_abs_diff_second_size', 0.0))
        if not worst <= tolerance:
            raise OnnxParityError(
                f'{out}: ONNX Runtime differs from PyTorch by {worst:.3g} '
                f'(max |logit difference|) > tolerance {tolerance:g}; '
                'nothing was written')
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return dict(
        out=out,
        task=task,
        shape=list(shape),
        dynamic_hw=bool(dynamic_hw),
        num_inputs=int(inputs.shape[0]),
        tolerance=tolerance,
        ort_attention=bool(ort_attention),
        **parity)
