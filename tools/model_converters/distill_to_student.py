# Copyright (c) rskd_mm contributors. All rights reserved.
"""Turn a distillation checkpoint into a plain student checkpoint.

    python tools/model_converters/distill_to_student.py DISTILL_CKPT OUT_CKPT

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
The output is written atomically.
"""
import argparse
import os.path as osp

import torch

import rskd_mm  # noqa: F401
from rskd_mm.engine.hooks.student_checkpoint_hook import (atomic_torch_save,
                                                          student_state_dict)


def convert(src: str, dst: str, prefix: str = 'architecture.') -> dict:
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint not found: {src}')
    try:
        ckpt = torch.load(src, map_location='cpu', weights_only=False)
    except Exception as e:
        raise ValueError(f'{src}: not a readable checkpoint ({e})') from e
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{src}: no state_dict in the checkpoint')
    try:
        student = student_state_dict(state, prefix)
    except KeyError as e:
        raise KeyError(f'{src}: {e.args[0]}') from None
    meta = dict(ckpt.get('meta', {}))
    for key in ('message_hub', 'hook_msgs'):
        meta.pop(key, None)
    meta['converted_from'] = osp.abspath(src)
    out = dict(meta=meta, state_dict=student)
    atomic_torch_save(out, dst)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='distillation checkpoint')
    p.add_argument('dst', help='where to write the student checkpoint')
    p.add_argument('--prefix', default='architecture.',
                   help='the student\'s key prefix in the distillation model')
    args = p.parse_args(argv)
    out = convert(args.src, args.dst, args.prefix)
    print(f"{len(out['state_dict'])} student tensors -> {args.dst}")


if __name__ == '__main__':
    main()
