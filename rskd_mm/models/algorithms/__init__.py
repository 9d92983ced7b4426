# Copyright (c) rskd_mm contributors. All rights reserved.
from .rskd_cached_teacher_distill import RSKDCachedTeacherDistill
from .rskd_single_teacher_distill import (RSKDSingleTeacherDistill,
                                          raw_preprocessor_cfg)

__all__ = [
    'RSKDSingleTeacherDistill', 'RSKDCachedTeacherDistill',
    'raw_preprocessor_cfg'
]
