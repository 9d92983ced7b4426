# Copyright (c) rskd_mm contributors. All rights reserved.
from .cli import run_cli, user_errors
from .collect_env import collect_env
from .config import online_model_cfg, strip_teacher_checkpoints
from .flops import count_flops, sdpa_flop_jit

__all__ = [
    'collect_env', 'strip_teacher_checkpoints', 'online_model_cfg', 'run_cli',
    'user_errors', 'count_flops', 'sdpa_flop_jit'
]
