# Copyright (c) rskd_mm contributors. All rights reserved.
from .data_preprocessor import RSKDClsDataPreprocessor
from .ensemble_teacher import EnsembleFusion, RSKDEnsembleTeacher

__all__ = ['RSKDEnsembleTeacher', 'EnsembleFusion', 'RSKDClsDataPreprocessor']
