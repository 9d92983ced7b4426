# Copyright (c) rskd_mm contributors. All rights reserved.
from .check_seg_labels import RSKDCheckSegLabels, SegLabelError
from .loading import SKIPPED_IMAGES, CorruptImageError, RSKDLoadImageFromFile

__all__ = [
    'RSKDCheckSegLabels', 'SegLabelError', 'RSKDLoadImageFromFile',
    'CorruptImageError', 'SKIPPED_IMAGES'
]
