# Copyright (c) rskd_mm contributors. All rights reserved.
from .dpctnet import DPCTNet

__all__ = ['DPCTNet']
