# Copyright (c) rskd_mm contributors. All rights reserved.
from .cached_outputs_recorder import RSKDCachedOutputsRecorder

__all__ = ['RSKDCachedOutputsRecorder']
