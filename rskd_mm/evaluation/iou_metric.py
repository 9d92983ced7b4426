# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmseg's IoUMetric, with the per-class IoU among the returned metrics."""
import numpy as np
from mmseg.evaluation.metrics import IoUMetric

from rskd_mm.registry import SEG_METRICS as METRICS


@METRICS.register_module()
class RSKDIoUMetric(IoUMetric):
    """:class:`mmseg.evaluation.IoUMetric` that also returns the IoU of
    every class as ``IoU.<class name>`` (in %, rounded as mmseg rounds).

    mmseg prints the per-class table to the log only; returning the values
    puts them into ``--metrics-out`` files, the visualiser's scalars and the
    results tables. A class that is absent from both the predictions and the
    ground truth has no IoU (NaN), as in mmseg. All other arguments and the
    summary metrics (``aAcc``, ``mIoU``, ...) are mmseg's.
    """

    def compute_metrics(self, results: list) -> dict:
        metrics = super().compute_metrics(results)
        if self.format_only or not results:
            return metrics
        areas = [sum(column) for column in zip(*results)]
        iou = self.total_area_to_metrics(*areas, ['mIoU'], self.nan_to_num,
                                         self.beta)['IoU']
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = float(np.round(value * 100, 2))
        return metrics
