# Copyright (c) rskd_mm contributors. All rights reserved.
"""Entry points of the tools: the project's own input errors end the tool
with their message (which names the file, key or value at fault) and exit
status 1, without a Python traceback. ``RSKD_TRACEBACK=1`` shows it.

A tool started with ``--launcher pytorch|slurm`` ends by destroying the
default process group (after a barrier when it succeeded), as PyTorch asks
of every program that calls ``init_process_group``. Left to interpreter
shutdown, gloo's worker threads can still hold work objects whose tensors
are freed after Python is gone, and the process dies with SIGABRT after a
run that itself succeeded (pytorch/pytorch#179291 describes the race)."""
import os
import sys
from typing import Callable


def user_errors() -> tuple:
    """The exception types that report bad input (not bugs); a file named
    on the command line that does not exist is one of them."""
    from rskd_mm.apis.model import RasterInputError
    from rskd_mm.apis.onnx import OnnxParityError
    from rskd_mm.compat.checkpoint import UnsafeCheckpointError
    from rskd_mm.datasets.annotation_check import AnnotationError
    from rskd_mm.datasets.transforms import CorruptImageError, SegLabelError
    from rskd_mm.models.utils.checkpoint import (CheckpointMismatchError,
                                                 CheckpointReadError,
                                                 ClassMismatchError)
    from rskd_mm.structures.teacher_cache import TeacherCacheError
    from rskd_mm.utils.paths import OverwriteInputError
    return (AnnotationError, CheckpointMismatchError, CheckpointReadError,
            ClassMismatchError, CorruptImageError, FileNotFoundError,
            OnnxParityError, OverwriteInputError, RasterInputError,
            SegLabelError, TeacherCacheError, UnsafeCheckpointError)


def run_cli(main: Callable, prog: str = None) -> None:
    """Run ``main()``; a bad-input error exits with ``prog: message``."""
    errors = user_errors()
    ok = False
    try:
        main()
        ok = True
    except errors as exc:
        if os.environ.get('RSKD_TRACEBACK') == '1':
            raise
        prog = prog or os.path.basename(sys.argv[0])
        sys.stderr.write(f'{prog}: error: {exc}\n')
        sys.exit(1)
    finally:
        close_process_group(barrier=ok)


def close_process_group(barrier: bool = True) -> bool:
    """Destroy the default process group if this process initialised one;
    returns whether it did. ``barrier`` waits for every rank first, so that
    no rank closes its connections while another still talks to it (only
    after success: a rank that failed would leave the others waiting)."""
    import torch.distributed as dist
    from mmengine.dist import barrier as dist_barrier
    from mmengine.dist import is_distributed
    if not is_distributed():
        return False
    if barrier:
        dist_barrier()
    dist.destroy_process_group()
    return True


def add_trust_arg(p) -> None:
    """``--trust-checkpoint``: load pickled checkpoints fully (see
    :mod:`rskd_mm.compat.checkpoint`)."""
    p.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load pickled checkpoints fully, even those that need objects '
        'outside the weights-only allow-list (their code can run: only for '
        'files you trust; same as RSKD_MM_WEIGHTS_ONLY=0)')


def apply_trust_arg(args) -> None:
    """Honour ``--trust-checkpoint`` in this process and its children."""
    if getattr(args, 'trust_checkpoint', False):
        from rskd_mm.compat.checkpoint import trust_checkpoints
        trust_checkpoints()


def _int_list(text):
    return [int(v) for v in text.split(',') if v.strip()]


def _float_list(text):
    return [float(v) for v in text.split(',') if v.strip()]


def add_raster_args(p) -> None:
    """The arguments shared by tools/inference/{segment,classify}_raster.py."""
    from mmengine.config import DictAction
    p.add_argument('config', help='the model config')
    p.add_argument(
        'checkpoint', help='checkpoint (.pth) or ONNX model (.onnx)')
    p.add_argument(
        'input', help='the input raster (GeoTIFF or any GDAL '
        'format)')
    p.add_argument('output', help='the output GeoTIFF')
    p.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    p.add_argument(
        '--bands',
        type=_int_list,
        help='1-based input bands in the model\'s R,G,B order, e.g. 1,2,3 '
        '(default: all bands, when their count is the model\'s)')
    p.add_argument(
        '--scale',
        type=_float_list,
        help='factor(s) mapping band values to 0-255 (one, or one per '
        'band); default 1 for uint8 inputs, required for others')
    p.add_argument(
        '--backend',
        choices=['pytorch', 'onnxruntime'],
        help='default: onnxruntime for a .onnx checkpoint, else pytorch')
    p.add_argument(
        '--allow-ungeoreferenced',
        action='store_true',
        help='accept a raster without a coordinate reference system')
    p.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_trust_arg(p)
