# Copyright (c) rskd_mm contributors. All rights reserved.
"""Turn a distillation checkpoint into a plain student checkpoint.

    python tools/model_converters/distill_to_student.py DISTILL_CKPT OUT_CKPT
    python tools/model_converters/distill_to_student.py DISTILL_CKPT \
        student.safetensors   # weights in a format that cannot carry code

The checkpoint of a distillation run (``RSKDSingleTeacherDistill``,
``RSKDCachedTeacherDistill``, mmrazor's ``SingleTeacherDistill``) holds the
student under ``architecture.``, the teacher under ``teacher.`` and the
optimizer, schedulers and message hub. The output keeps only the student's
weights (unprefixed) and the ``meta`` (dataset classes and palette, for the
inference APIs), so that ``tools/test.py STUDENT_CONFIG OUT_CKPT``,
mmpretrain's ``ImageClassificationInferencer`` and mmseg's
``init_model`` / ``MMSegInferencer`` load it with the student's own config
(for EDP-CTNet: its ``sub_model`` config). The reverse needs no tool: a
distillation config takes a plain student checkpoint with ``load_from``.
The output is written atomically. An OUT_CKPT ending in ``.safetensors``
is written with the safetensors package (tensors and a JSON header, never
code: what to share with others); the ``meta`` goes into its metadata, and
every tool that takes a checkpoint reads it.
"""
import argparse
import os
import os.path as osp

import rskd_mm  # noqa: F401
from rskd_mm.compat.checkpoint import save_safetensors
from rskd_mm.engine.hooks.student_checkpoint_hook import (atomic_torch_save,
                                                          student_state_dict)
from rskd_mm.models.utils import CheckpointReadError, read_checkpoint
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg
from rskd_mm.utils.paths import check_outputs


def check_fits(state: dict, src: str, config: str) -> None:
    """Stop unless ``state`` fits the model of ``config`` exactly."""
    from mmengine.config import Config
    from mmengine.registry import MODELS, init_default_scope

    from rskd_mm.models.utils import (CheckpointMismatchError, format_mismatch,
                                      state_dict_mismatch)
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = dict(cfg.model)
    model_cfg.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    missing, unexpected, mismatched = state_dict_mismatch(model, state)
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(
            f'the student of {src} does not fit the model of {config}; '
            'nothing was written.\n' +
            format_mismatch(missing, unexpected, mismatched,
                            model.state_dict().keys(), state.keys()))


def convert(src: str,
            dst: str,
            prefix: str = 'architecture.',
            config: str = None) -> dict:
    check_outputs(
        dict(checkpoint=src, config=config),
        dict(output=dst),
        prog='distill_to_student')
    ckpt = read_checkpoint(src)
    state = ckpt.get('state_dict', ckpt)
    if not isinstance(state, dict):
        raise CheckpointReadError(f'{src}: no state_dict in the checkpoint')
    try:
        student = student_state_dict(state, prefix)
    except KeyError as e:
        raise KeyError(f'{src}: {e.args[0]}') from None
    if config is not None:
        check_fits(student, src, config)
    meta = dict(ckpt.get('meta', {}))
    for key in ('message_hub', 'hook_msgs'):
        meta.pop(key, None)
    meta['converted_from'] = osp.abspath(src)
    out = dict(meta=meta, state_dict=student)
    if dst.endswith('.safetensors'):
        tmp = f'{dst}.tmp{os.getpid()}'
        try:
            save_safetensors(out, tmp)
            os.replace(tmp, dst)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)
    else:
        atomic_torch_save(out, dst)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='distillation checkpoint')
    p.add_argument(
        'dst',
        help='where to write the student checkpoint (.pth, or '
        '.safetensors for weights that cannot carry code)')
    p.add_argument(
        '--prefix',
        default='architecture.',
        help='the student\'s key prefix in the distillation model')
    p.add_argument(
        '--config',
        help='the student\'s own config: stop unless the student '
        'weights fit its model exactly')
    add_trust_arg(p)
    args = p.parse_args(argv)
    apply_trust_arg(args)
    out = convert(args.src, args.dst, args.prefix, args.config)
    print(f"{len(out['state_dict'])} student tensors -> {args.dst}")


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
