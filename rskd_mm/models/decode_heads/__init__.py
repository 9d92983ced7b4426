# Copyright (c) rskd_mm contributors. All rights reserved.
from .dpct_head import DPCTHead

__all__ = ['DPCTHead']
