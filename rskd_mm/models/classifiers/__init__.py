# Copyright (c) rskd_mm contributors. All rights reserved.
from .ensemble_teacher import EnsembleFusion, RSKDEnsembleTeacher

__all__ = ['RSKDEnsembleTeacher', 'EnsembleFusion']
