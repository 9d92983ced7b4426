# Copyright (c) rskd_mm contributors. All rights reserved.
"""The DP-CTNet decode head: an all-MLP head (as SegFormer's) whose
upsampling uses the stages' known scale factors instead of the size of
another tensor, so that mmrazor's channel analyzer does not tie the head's
channels to the backbone's (and can prune both)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from rskd_mm.registry import SEG_MODELS as MODELS


@MODELS.register_module()
class DPCTHead(BaseDecodeHead):
    """1x1 conv per input map, upsampling by ``scale_factors`` to the first
    map's grid, concatenation, a fusion conv and ``conv_seg``.

    Args:
        scale_factors (Sequence[int]): upsampling factor of each input to
            the first one's grid (1, 2, 4, 8 for stride 4..32 maps).
        interpolate_mode (str): upsampling mode. Defaults to 'bilinear'.
    """

    def __init__(self,
                 scale_factors=(1, 2, 4, 8),
                 interpolate_mode='bilinear',
                 **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        if len(scale_factors) != len(self.in_channels):
            raise ValueError(
                f'DPCTHead: scale_factors {tuple(scale_factors)} needs one '
                f'entry per input, in_channels has {len(self.in_channels)}')
        self.scale_factors = tuple(scale_factors)
        self.interpolate_mode = interpolate_mode
        self.convs = nn.ModuleList([
            ConvModule(
                c,
                self.channels,
                1,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg) for c in self.in_channels
        ])
        self.fusion_conv = ConvModule(
            self.channels * len(self.in_channels),
            self.channels,
            1,
            norm_cfg=self.norm_cfg)

    def forward(self, inputs):
        inputs = self._transform_inputs(inputs)
        outs = []
        for x, conv, f in zip(inputs, self.convs, self.scale_factors):
            y = conv(x)
            if f != 1:
                y = F.interpolate(
                    y,
                    scale_factor=f,
                    mode=self.interpolate_mode,
                    align_corners=self.align_corners)
            outs.append(y)
        if all(isinstance(o, torch.Tensor) for o in outs):  # not FX
            sizes = {tuple(int(s) for s in o.shape[-2:]) for o in outs}
            if len(sizes) != 1:
                raise ValueError(
                    f'DPCTHead: the upsampled maps differ in size {sizes}: '
                    f'the input size must be a multiple of the largest '
                    f'stride (pad it, e.g. SegDataPreProcessor('
                    f'size_divisor=32))')
        out = self.fusion_conv(torch.cat(outs, dim=1))
        return self.cls_seg(out)
