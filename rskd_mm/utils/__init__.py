# Copyright (c) rskd_mm contributors. All rights reserved.
from .cli import run_cli, user_errors
from .collect_env import collect_env
from .config import online_model_cfg, strip_teacher_checkpoints

__all__ = [
    'collect_env', 'strip_teacher_checkpoints', 'online_model_cfg', 'run_cli',
    'user_errors'
]
