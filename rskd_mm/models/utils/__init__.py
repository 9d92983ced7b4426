# Copyright (c) rskd_mm contributors. All rights reserved.
from .checkpoint import (CheckpointMismatchError,
                         accept_plain_architecture_checkpoint,
                         extract_state_dict, load_checkpoint_strict)

__all__ = [
    'load_checkpoint_strict', 'extract_state_dict', 'CheckpointMismatchError',
    'accept_plain_architecture_checkpoint'
]
