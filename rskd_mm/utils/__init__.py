# Copyright (c) rskd_mm contributors. All rights reserved.
from .collect_env import collect_env

__all__ = ['collect_env']
