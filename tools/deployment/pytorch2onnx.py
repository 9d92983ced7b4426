# Copyright (c) rskd_mm contributors. All rights reserved.
"""Export a classification or segmentation model (a student, a teacher, a
pruned EDP-CTNet with its ``fix_subnet``) to ONNX and check it.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
        [--shape H W] [--static-hw] [--opset 17] [--inputs IMG ...]
        [--tolerance 1e-3] [--standard-ops] [--cfg-options k=v ...]

The ONNX model takes ``pixels`` (N, 3, H, W) float32, R-G-B, 0-255 (the
model's normalisation is inside the graph) and returns ``logits`` (N, K) or
(N, K, H, W); the batch axis is dynamic, and height and width too for
segmentors. After the export the model is checked with ``onnx.checker``
and ONNX Runtime is compared with PyTorch on real inputs (``--inputs``
images, else the first images of the config's test set): the largest
absolute logit difference is printed and the tool fails (writing nothing)
above ``--tolerance``. The raster tools take the .onnx file in place of the
checkpoint. Attention layers are exported as ONNX Runtime's fused
``com.microsoft.MultiHeadAttention`` (``--standard-ops``: plain ONNX
operators, for other runtimes; slower on ONNX Runtime). See
docs/inference.md.
"""
import argparse
import json

from mmengine.config import DictAction

import rskd_mm  # noqa: F401  (compat layer, registries)
from rskd_mm.apis.onnx import DEFAULT_TOLERANCE
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='the model config')
    p.add_argument('checkpoint', help='its checkpoint')
    p.add_argument('output', help='the .onnx file to write')
    p.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='example input size (default: the config\'s test size)')
    p.add_argument(
        '--static-hw',
        action='store_true',
        help='fixed height and width (segmentors are dynamic by default)')
    p.add_argument('--opset', type=int, default=17)
    p.add_argument(
        '--inputs',
        nargs='+',
        help='images for the ONNX Runtime check (default: the first images '
        'of the config\'s test set)')
    p.add_argument(
        '--tolerance',
        type=float,
        default=DEFAULT_TOLERANCE,
        help='largest accepted |ONNX Runtime - PyTorch| logit difference')
    p.add_argument(
        '--standard-ops',
        action='store_true',
        help='standard ONNX operators only; by default attention is '
        'exported as ONNX Runtime\'s fused MultiHeadAttention, which only '
        'ONNX Runtime runs')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_trust_arg(p)
    return p.parse_args(argv)


def main(argv=None):
    from rskd_mm.apis import export_onnx
    args = parse_args(argv)
    apply_trust_arg(args)
    result = export_onnx(
        args.config,
        args.checkpoint,
        args.output,
        shape=args.shape,
        dynamic_hw=False if args.static_hw else None,
        opset=args.opset,
        input_files=args.inputs,
        tolerance=args.tolerance,
        cfg_options=args.cfg_options,
        ort_attention=not args.standard_ops)
    print(f"max |onnxruntime - pytorch| = {result['max_abs_diff']:.3g} "
          f"(tolerance {result['tolerance']:g}), top-1 agreement "
          f"{result['top1_agreement']:.4f} on {result['num_inputs']} real "
          f"input(s) -> {result['out']}")
    print(json.dumps(result))


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
