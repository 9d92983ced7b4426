# Copyright (c) rskd_mm contributors. All rights reserved.
"""Config helpers shared by the tools and tests."""
import copy


def strip_teacher_checkpoints(model_cfg):
    """Drop the teacher weight files a model config would load when built.

    Distillation configs load the teacher (``teacher_ckpt``) and ensemble
    teachers load their members (``members[i].checkpoint``) when the model is
    built. When a complete checkpoint is restored afterwards (``tools/test.py
    CONFIG CHECKPOINT``), those files are not needed: the checkpoint holds
    the teacher's weights too. Returns a copy; ``init_cfg`` is untouched.
    """
    cfg = copy.deepcopy(model_cfg)

    def visit(node):
        if isinstance(node, dict):
            if 'teacher_ckpt' in node:
                node['teacher_ckpt'] = None
            if 'model' in node and 'checkpoint' in node:
                node['checkpoint'] = None  # an ensemble member
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(cfg)
    return cfg


ONLINE_KD = 'RSKDSingleTeacherDistill'
CACHED_KD = 'RSKDCachedTeacherDistill'


def online_model_cfg(model_cfg):
    """The online distillation config of a (possibly cached) KD config.

    A cached-KD model (``RSKDCachedTeacherDistill``) keeps the teacher's
    config; this returns the ``RSKDSingleTeacherDistill`` that runs it, as
    ``tools/cache_teacher_outputs.py`` does to build the cache.
    """
    cfg = copy.deepcopy(model_cfg)
    if cfg.get('type') == CACHED_KD:
        cfg['type'] = ONLINE_KD
        cfg.pop('teacher_cache', None)
        cfg.pop('verify_teacher', None)
    if cfg.get('type') != ONLINE_KD:
        raise ValueError(f'model.type must be {ONLINE_KD} or {CACHED_KD}, '
                         f'got {cfg.get("type")!r}')
    return cfg
