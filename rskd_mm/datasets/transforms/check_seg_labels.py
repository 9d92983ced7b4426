# Copyright (c) rskd_mm contributors. All rights reserved.
"""Check segmentation masks: a label outside the classes is named, with its
file, instead of silently training on it (or crashing inside the loss)."""
import numpy as np
from mmcv.transforms import BaseTransform

from rskd_mm.registry import SEG_TRANSFORMS as TRANSFORMS


class SegLabelError(ValueError):
    """A mask holds labels that are neither classes nor the ignore index."""


@TRANSFORMS.register_module()
class RSKDCheckSegLabels(BaseTransform):
    """Raise a clear error when a mask has labels outside ``[0,
    num_classes)`` other than ``ignore_index``.

    Put it right after ``LoadAnnotations`` (after its ``reduce_zero_label``)
    in every pipeline that loads masks.

    Args:
        num_classes (int): number of classes of the data set.
        ignore_index (int): the label of unannotated pixels. Defaults to 255.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'RSKDCheckSegLabels: num_classes must be a '
                             f'positive int, got {num_classes!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        seg = results.get('gt_seg_map')
        if seg is None:
            raise KeyError(
                'RSKDCheckSegLabels: no gt_seg_map in the results; put it '
                'after LoadAnnotations in the pipeline')
        labels = np.unique(seg)
        bad = labels[((labels < 0) | (labels >= self.num_classes))
                     & (labels != self.ignore_index)]
        if bad.size:
            path = results.get('seg_map_path', '<unknown file>')
            raise SegLabelError(
                f'{path}: mask labels {bad.tolist()} are outside the '
                f'{self.num_classes} classes (0..{self.num_classes - 1}) and '
                f'are not the ignore index {self.ignore_index}. Check the '
                'class count in the config (num_classes, metainfo), '
                'reduce_zero_label, or re-export the masks as class indices '
                '(not palette colours).')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
