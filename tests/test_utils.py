# Copyright (c) rskd_mm contributors. All rights reserved.
from rskd_mm.utils import strip_teacher_checkpoints


def test_strip_teacher_checkpoints_keeps_init_cfg():
    cfg = dict(
        type='RSKDSingleTeacherDistill',
        teacher_ckpt='t.pth',
        architecture=dict(
            backbone=dict(
                init_cfg=dict(type='Pretrained', checkpoint='in1k.pth'))),
        teacher=dict(
            type='RSKDEnsembleTeacher',
            members=[dict(model=dict(type='X'), checkpoint='a.pth')]))
    out = strip_teacher_checkpoints(cfg)
    assert out['teacher_ckpt'] is None
    assert out['teacher']['members'][0]['checkpoint'] is None
    assert out['architecture']['backbone']['init_cfg']['checkpoint'] == \
        'in1k.pth'
    assert cfg['teacher_ckpt'] == 't.pth'  # the input is not modified
