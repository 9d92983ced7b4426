# Copyright (c) rskd_mm contributors. All rights reserved.
import pytest

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


def test_paired_bootstrap_interval():
    from rskd_mm.utils.paired_stats import fmt_interval, paired_bootstrap

    # b is right on 100 images, a on the same 100 plus 20 more of 200
    b = [True] * 100 + [False] * 100
    a = [True] * 120 + [False] * 80
    d, lo, hi = paired_bootstrap(a, b, num_samples=1000)
    assert d == 10.0
    # every resample has a >= b (a is never worse on any image)
    assert 0.0 < lo < d < hi < 20.0
    assert paired_bootstrap(a, b, num_samples=1000) == (d, lo, hi)  # seeded
    # identical answers: no difference, an interval of width 0
    assert paired_bootstrap(a, a) == (0.0, 0.0, 0.0)
    # discordant both ways, balanced: the interval straddles 0
    x = [True, False] * 100
    y = [False, True] * 100
    d, lo, hi = paired_bootstrap(x, y, num_samples=1000)
    assert d == 0.0 and lo < 0 < hi
    assert fmt_interval(1.5, -0.25, 3.0) == '+1.50 [-0.25, +3.00]'
    with pytest.raises(ValueError, match='same non-empty'):
        paired_bootstrap([True], [True, False])


def test_paired_diff_t_interval():
    from rskd_mm.utils.paired_stats import paired_diff, t975
    mean, half, n = paired_diff({
        0: 3.0,
        1: 5.0,
        2: 4.0
    }, {
        0: 1.0,
        1: 2.0,
        2: 3.0,
        9: 0.0
    })
    assert n == 3 and mean == 2.0
    # diffs 2, 3, 1: sd 1, t(2) = 4.303
    assert abs(half - 4.303 / 3**0.5) < 1e-9
    assert paired_diff({0: 1.0}, {1: 2.0}) is None
    assert paired_diff({0: 1.0}, {0: 0.5}) == (0.5, None, 1)
    assert t975(4) == 2.776 and t975(27) == 2.060 and t975(100) == 1.96


def test_median_step_time_reads_the_training_iterations(tmp_path):
    import json

    from rskd_mm.utils.paired_stats import median_step_time
    assert median_step_time(str(tmp_path / 'none')) is None
    for run, times in (('20260101_000000', [0.5, 0.1, 0.2]),
                       ('20260101_010000', [0.3, 9.0])):  # a resumed run
        d = tmp_path / run / 'vis_data'
        d.mkdir(parents=True)
        lines = [
            json.dumps(dict(loss=1.0, time=t, step=10 * (i + 1)))
            for i, t in enumerate(times)
        ]
        # validation records (no loss) are not training steps
        lines.append(json.dumps({'accuracy/top1': 50.0, 'step': 3}))
        (d / 'scalars.json').write_text('\n'.join(lines) + '\n')
    median, n, last = median_step_time(str(tmp_path))
    assert (median, n, last) == (0.3, 5, 30)
