# Copyright (c) rskd_mm contributors. All rights reserved.
from .dual_path_channel_mutator import (DynamicPositionEmbedding,
                                        RSKDChannelUnit,
                                        RSKDDualPathChannelMutator)

__all__ = [
    'DynamicPositionEmbedding', 'RSKDChannelUnit', 'RSKDDualPathChannelMutator'
]
