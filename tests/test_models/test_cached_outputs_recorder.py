# Copyright (c) rskd_mm contributors. All rights reserved.
"""RSKDCachedOutputsRecorder: the teacher recorder cached KD fills."""
import torch
from mmrazor.models.task_modules import RecorderManager

from rskd_mm.models.task_modules import RSKDCachedOutputsRecorder


def test_config_type_resolves_to_the_recorder():
    manager = RecorderManager(
        dict(logits=dict(type='RSKDCachedOutputs', source='fusion')))
    recorder = manager.get_recorder('logits')
    assert type(recorder) is RSKDCachedOutputsRecorder
    assert recorder.source == 'fusion'
    # nothing to hook: initialising without a model works
    manager.initialize(None)


def test_pushed_batches_are_what_the_losses_read():
    recorder = RSKDCachedOutputsRecorder(source='fusion')
    recorder.initialize(None)  # what RecorderManager does
    first, second = torch.randn(4, 10), torch.randn(4, 10)
    with recorder:
        recorder.push(first)
        recorder.push(second)
        assert recorder.get_record_data() is first
        assert recorder.get_record_data(record_idx=1) is second
    # entering again starts from an empty buffer (one batch per step)
    with recorder:
        assert recorder.data_buffer == []
        recorder.push(second)
        assert recorder.get_record_data() is second
