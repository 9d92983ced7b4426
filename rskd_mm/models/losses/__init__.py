# Copyright (c) rskd_mm contributors. All rights reserved.
from .kl_cosine_kd import RSKDKLCosineKD, kl_cosine_kd_loss
from .logit_standard_kd import (RSKDLogitStandardKD, logit_standard_kd_loss,
                                standardize_logits)

__all__ = [
    'RSKDLogitStandardKD', 'logit_standard_kd_loss', 'standardize_logits',
    'RSKDKLCosineKD', 'kl_cosine_kd_loss'
]
