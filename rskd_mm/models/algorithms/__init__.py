# Copyright (c) rskd_mm contributors. All rights reserved.
from .rskd_cached_teacher_distill import RSKDCachedTeacherDistill
from .rskd_ite_prune import RSKDItePrune
from .rskd_single_teacher_distill import (RSKDSingleTeacherDistill,
                                          raw_preprocessor_cfg)

__all__ = [
    'RSKDSingleTeacherDistill', 'RSKDCachedTeacherDistill', 'RSKDItePrune',
    'raw_preprocessor_cfg'
]
