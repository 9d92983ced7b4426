# Copyright (c) rskd_mm contributors. All rights reserved.
from .iou_metric import RSKDIoUMetric

__all__ = ['RSKDIoUMetric']
