# Copyright (c) rskd_mm contributors. All rights reserved.
import math

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import rskd_mm  # noqa: F401
from rskd_mm.evaluation import RSKDIoUMetric


def sample(pred, gt):
    s = SegDataSample()
    s.pred_sem_seg = PixelData(data=torch.tensor([pred]))
    s.gt_sem_seg = PixelData(data=torch.tensor([gt]))
    return s.to_dict()


def test_per_class_iou_is_returned():
    metric = RSKDIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    # class a: 1 px intersect / 2 px union; b: 1 / 2; c: absent (NaN);
    # 255 is ignored
    metric.process([], [sample([[0, 1], [0, 1]], [[0, 1], [1, 255]])])
    out = metric.evaluate(1)
    assert out['IoU.a'] == 50.0 and out['IoU.b'] == 50.0
    assert math.isnan(out['IoU.c'])
    assert out['mIoU'] == 50.0
