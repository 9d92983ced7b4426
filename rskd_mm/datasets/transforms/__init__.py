# Copyright (c) rskd_mm contributors. All rights reserved.
from .check_seg_labels import RSKDCheckSegLabels, SegLabelError

__all__ = ['RSKDCheckSegLabels', 'SegLabelError']
