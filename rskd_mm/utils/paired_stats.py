# Copyright (c) rskd_mm contributors. All rights reserved.
"""Paired comparisons of two models, and the training step time.

* :func:`paired_diff`: the mean paired difference of two models over the
  seeds both were run with, with its 95% interval (paired t);
* :func:`paired_bootstrap`: the difference of two models' accuracy on the
  same test images (one seed each), with a 95% percentile interval from
  resampling the images (paired: both models' answers on an image move
  together);
* :func:`median_step_time`: the median seconds per training iteration of a
  run, from mmengine's ``vis_data/scalars.json`` (start-up, validation and
  testing are not in it; the median is robust to pauses and other jobs).

Used by ``tools/run_demo.py`` and ``tools/analysis_tools/run_benchmarks.py``.
"""
import json
import math
import os
import os.path as osp
import random
import statistics
from typing import Dict, Optional, Sequence, Tuple

#: two-sided 95% quantiles of Student's t by degrees of freedom
T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    25: 2.060,
    30: 2.042
}


def t975(df: int) -> float:
    """The two-sided 95% quantile of Student's t with ``df`` degrees of
    freedom (the largest tabulated df not above it; 1.96 beyond 30)."""
    if df > 30:
        return 1.96
    return T975[max(k for k in T975 if k <= df)]


def paired_diff(a: Dict, b: Dict) -> Optional[Tuple]:
    """Mean paired difference of ``a - b`` (dicts seed -> value, over the
    seeds both have) with its 95% confidence interval (paired t), as
    ``(mean, half_width, n)``; ``half_width`` is None with fewer than 2
    pairs, and the result None without a common seed."""
    seeds = sorted(set(a) & set(b))
    diffs = [a[s] - b[s] for s in seeds]
    if not diffs:
        return None
    if len(diffs) < 2:
        return diffs[0], None, 1
    half = t975(len(diffs) - 1) * statistics.stdev(diffs) / math.sqrt(
        len(diffs))
    return statistics.mean(diffs), half, len(diffs)


def paired_bootstrap(correct_a: Sequence[bool],
                     correct_b: Sequence[bool],
                     num_samples: int = 2000,
                     seed: int = 0) -> Tuple[float, float, float]:
    """Accuracy of ``a`` minus accuracy of ``b`` on the same images, in
    points, with the 2.5 and 97.5 percentiles of that difference over
    ``num_samples`` resamplings of the images (with replacement).

    Returns:
        tuple: ``(difference, low, high)``.
    """
    if len(correct_a) != len(correct_b) or not correct_a:
        raise ValueError('paired_bootstrap: both models need answers on the '
                         f'same non-empty image list, got {len(correct_a)} '
                         f'and {len(correct_b)}')
    d = [int(bool(x)) - int(bool(y)) for x, y in zip(correct_a, correct_b)]
    n = len(d)
    rng = random.Random(seed)
    means = sorted(
        sum(d[rng.randrange(n)] for _ in range(n)) / n
        for _ in range(num_samples))
    low = means[int(0.025 * (num_samples - 1))]
    high = means[int(math.ceil(0.975 * (num_samples - 1)))]
    return 100.0 * sum(d) / n, 100.0 * low, 100.0 * high


def fmt_interval(diff: float, low: float, high: float) -> str:
    """``+1.25 [-0.50, +3.00]``."""
    return f'{diff:+.2f} [{low:+.2f}, {high:+.2f}]'


def median_step_time(work_dir: str) -> Optional[Tuple[float, int, int]]:
    """``(median seconds per training iteration, iterations logged, last
    iteration)`` of the run(s) in ``work_dir`` (resumed runs included), from
    mmengine's ``<timestamp>/vis_data/scalars.json``; None without a log.

    mmengine's ``time`` is each logged iteration's wall time (data loading,
    forward, backward, step), measured by ``IterTimerHook``: start-up,
    validation and testing are not in it."""
    times, last_step = [], 0
    if not osp.isdir(work_dir):
        return None
    for d in sorted(os.listdir(work_dir)):
        f = osp.join(work_dir, d, 'vis_data', 'scalars.json')
        if not osp.isfile(f):
            continue
        with open(f) as fh:
            for line in fh:
                rec = json.loads(line)
                if 'loss' in rec and 'time' in rec:
                    times.append(rec['time'])
                    last_step = max(last_step, rec.get('step', 0))
    if not times:
        return None
    return statistics.median(times), len(times), last_step
