# Copyright (c) rskd_mm contributors. All rights reserved.
from .angle_kd import (RSKDAngleKD, angle_kd_loss, angle_kd_loss_naive,
                       angle_potentials_naive)
from .ensemble_variance_kd import (RSKDEnsembleVarianceKD,
                                   ensemble_variance_kd_loss,
                                   member_disagreement)
from .kl_cosine_kd import RSKDKLCosineKD, kl_cosine_kd_loss
from .logit_standard_kd import (RSKDLogitStandardKD, logit_standard_kd_loss,
                                standardize_logits)

__all__ = [
    'RSKDAngleKD', 'angle_kd_loss', 'angle_kd_loss_naive',
    'angle_potentials_naive', 'RSKDLogitStandardKD', 'logit_standard_kd_loss',
    'standardize_logits', 'RSKDKLCosineKD', 'kl_cosine_kd_loss',
    'RSKDEnsembleVarianceKD', 'ensemble_variance_kd_loss',
    'member_disagreement'
]
