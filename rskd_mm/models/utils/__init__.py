# Copyright (c) rskd_mm contributors. All rights reserved.
from .checkpoint import (CheckpointMismatchError, CheckpointReadError,
                         ClassMismatchError,
                         accept_plain_architecture_checkpoint, check_classes,
                         checkpoint_classes, extract_state_dict,
                         format_mismatch, load_checkpoint_strict,
                         map_state_dict, read_checkpoint, state_dict_mismatch)
from .compile import compile_options, compile_submodules

__all__ = [
    'load_checkpoint_strict', 'extract_state_dict', 'CheckpointMismatchError',
    'accept_plain_architecture_checkpoint', 'CheckpointReadError',
    'read_checkpoint', 'state_dict_mismatch', 'format_mismatch',
    'map_state_dict', 'compile_options', 'compile_submodules',
    'ClassMismatchError', 'check_classes', 'checkpoint_classes'
]
