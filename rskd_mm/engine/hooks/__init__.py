# Copyright (c) rskd_mm contributors. All rights reserved.
from .finite_loss_hook import NonFiniteLossError, RSKDFiniteLossHook
from .student_checkpoint_hook import (RSKDStudentCheckpointHook,
                                      atomic_torch_save, student_state_dict)

__all__ = [
    'RSKDStudentCheckpointHook', 'student_state_dict', 'atomic_torch_save',
    'RSKDFiniteLossHook', 'NonFiniteLossError'
]
