# Copyright (c) rskd_mm contributors. All rights reserved.
from typing import Any, Optional

from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from torch import nn

from rskd_mm.registry import RAZOR_TASK_UTILS as TASK_UTILS


@TASK_UTILS.register_module()
class RSKDCachedOutputsRecorder(BaseRecorder):
    """A teacher recorder filled from the teacher-output cache.

    ``RSKDCachedTeacherDistill`` swaps every teacher recorder of the
    distiller for this one (config type ``'RSKDCachedOutputs'``) and pushes
    the cached teacher logits of the batch into it, so the distiller's
    ``loss_forward_mappings`` work unchanged and no teacher module is needed.
    """

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        """Nothing to hook: the data comes from the cache.

        Args:
            model (nn.Module, optional): the teacher (unused).
        """

    def push(self, data: Any) -> None:
        """Record one batch of cached teacher outputs.

        Args:
            data (Any): the batch's cached teacher logits, ``(N, C)``.
        """
        self.data_buffer.append(data)
