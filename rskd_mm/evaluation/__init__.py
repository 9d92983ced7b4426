# Copyright (c) rskd_mm contributors. All rights reserved.
from .dump_predictions import RSKDDumpPredictions
from .iou_metric import RSKDIoUMetric

__all__ = ['RSKDIoUMetric', 'RSKDDumpPredictions']
