# Copyright (c) rskd_mm contributors. All rights reserved.
"""Formats shared by the data and the model layers.

``rskd_mm.datasets`` and ``rskd_mm.models`` may both import from here; the
model layer never imports the data layer.

* :mod:`.teacher_cache`: the on-disk cache of teacher outputs (fast KD) and
  the fingerprints that tie it to a teacher, a data set and a pipeline.
"""
from .teacher_cache import (TeacherCache, TeacherCacheError,
                            content_fingerprint, data_fingerprint, draw_seed,
                            file_sha256, image_hashes, pipeline_fingerprint,
                            seeded_randomness, teacher_fingerprint)

__all__ = [
    'TeacherCache', 'TeacherCacheError', 'data_fingerprint', 'draw_seed',
    'file_sha256', 'pipeline_fingerprint', 'seeded_randomness',
    'teacher_fingerprint', 'content_fingerprint', 'image_hashes'
]
