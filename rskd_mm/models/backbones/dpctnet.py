# Copyright (c) rskd_mm contributors. All rights reserved.
"""DP-CTNet: a dual-path CNN + transformer backbone for remote-sensing
semantic segmentation, with a feature refinement module (FRM) and a feature
fusion module (FFM).

* ``cnn_path``: a ResNet-style stem (stride 4) and ``stages.N`` of residual
  basic blocks (mmseg's ``BasicBlock``), strides 4, 8, 16, 32: local detail.
* ``transformer_path``: a patch embedding (stride ``patch_size``), a
  learnable position embedding (interpolated for other input sizes) and
  ``blocks.N`` of pre-norm transformer encoder layers: global context.
* ``frm.N``: refines the transformer's token map for CNN stage
  ``fuse_stages[N]``: resize to the stage's grid, project to its width,
  local depthwise convolution, channel attention (squeeze-excitation) and
  spatial attention, with a residual connection.
* ``ffm.N``: fuses the CNN stage output ``c`` and the refined transformer
  map ``t``: a per-pixel, per-channel gate ``g = sigmoid(conv([c, t]))``
  weights the two paths, ``c + conv3x3(g * c + (1 - g) * t)``. With
  ``fuse_into_cnn=True`` the fused map feeds the next CNN stage, so global
  context reaches the deeper local features.

The backbone returns one map per CNN stage (the fused one where the stage
fuses); a mmseg decode head (e.g. ``SegformerHead``) turns them into the
segmentation, inside mmseg's ``EncoderDecoder``.

Our choices where the paper's details are not public are listed in
configs/dpctnet/README.md.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.backbones.resnet import BasicBlock

from rskd_mm.registry import SEG_MODELS as MODELS


def _check(cond, msg):
    if not cond:
        raise ValueError(f'DPCTNet: {msg}')


class CNNPath(nn.Module):
    """Stem (two stride-2 3x3 convs) and residual stages."""

    def __init__(self, in_channels, stem_channels, channels, depths, strides,
                 norm_cfg):
        super().__init__()
        self.stem = nn.Sequential(
            ConvModule(in_channels, stem_channels, 3, 2, 1, norm_cfg=norm_cfg),
            ConvModule(
                stem_channels, stem_channels, 3, 2, 1, norm_cfg=norm_cfg))
        stages = []
        in_c = stem_channels
        for c, d, s in zip(channels, depths, strides):
            blocks = []
            for i in range(d):
                stride = s if i == 0 else 1
                down = None
                if stride != 1 or in_c != c:
                    down = nn.Sequential(
                        nn.Conv2d(in_c, c, 1, stride, bias=False),
                        build_norm_layer(norm_cfg, c)[1])
                blocks.append(
                    BasicBlock(
                        in_c,
                        c,
                        stride=stride,
                        downsample=down,
                        norm_cfg=norm_cfg))
                in_c = c
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)


class Attention(nn.Module):
    """Multi-head self-attention. ``qkv`` projects to ``[q | k | v]``, each
    ``num_heads`` consecutive blocks of ``head_dims`` channels. The number of
    heads is read from ``qkv``'s output width, so a model whose heads (or
    embedding width) were pruned runs unchanged: the head width, and with
    it the attention scale ``head_dims ** -0.5``, stays fixed."""

    def __init__(self, dims, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.head_dims = dims // num_heads
        self.qkv = nn.Linear(dims, dims * 3)
        self.proj = nn.Linear(dims, dims)

    def forward(self, x):
        b, n = x.shape[:2]
        qkv = self.qkv(x)
        heads = qkv.shape[-1] // (3 * self.head_dims)
        qkv = qkv.reshape(b, n, 3, heads,
                          self.head_dims).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(
            out.transpose(1, 2).reshape(b, n, heads * self.head_dims))


class TransformerBlock(nn.Module):
    """Pre-norm encoder layer: x + attn(ln(x)); x + mlp(ln(x))."""

    def __init__(self, dims, num_heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims)
        self.attn = Attention(dims, num_heads)
        self.norm2 = nn.LayerNorm(dims)
        hidden = int(dims * mlp_ratio)
        self.mlp = nn.Sequential(
            nn.Linear(dims, hidden), nn.GELU(), nn.Linear(hidden, dims))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PositionEmbedding(nn.Module):
    """A learnable position embedding ``weight`` (1, E, h, w) added to the
    patch embedding, resized (bicubic) to other token grids.

    A module (not a bare parameter) so that pruning can slice its channels
    with the embedding width (``rskd_mm.models.mutators``). Checkpoints of
    the earlier layout (``...transformer_path.pos_embed`` a parameter) load
    unchanged (:class:`TransformerPath` renames the key).
    """

    def __init__(self, embed_dims, grid):
        super().__init__()
        self.embed_dims = embed_dims
        self.weight = nn.Parameter(torch.zeros(1, embed_dims, *grid))
        nn.init.trunc_normal_(self.weight, std=0.02)

    def embedding(self):
        return self.weight

    def forward(self, x):
        pos = self.embedding()
        # (no shape-dependent branch under FX tracing: mmrazor's channel
        # analyzer traces the model at the position embedding's own size).
        # An ONNX export always resizes (bicubic to the same size is the
        # identity), so that the graph takes any height and width.
        if isinstance(x, torch.Tensor) and (torch.onnx.is_in_onnx_export()
                                            or pos.shape[-2:] != x.shape[-2:]):
            pos = F.interpolate(
                pos, size=x.shape[-2:], mode='bicubic', align_corners=False)
        return x + pos


class TransformerPath(nn.Module):
    """Patch embedding, position embedding and encoder blocks."""

    def __init__(self, in_channels, embed_dims, depth, num_heads, mlp_ratio,
                 patch_size, img_size):
        super().__init__()
        self.patch_size = patch_size
        self.patch_embed = nn.Conv2d(in_channels, embed_dims, patch_size,
                                     patch_size)
        self.grid = (img_size[0] // patch_size, img_size[1] // patch_size)
        self.pos_embed = PositionEmbedding(embed_dims, self.grid)
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, mlp_ratio)
            for _ in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # checkpoints of the earlier layout: pos_embed a bare parameter
        old, new = prefix + 'pos_embed', prefix + 'pos_embed.weight'
        if old in state_dict and new not in state_dict:
            state_dict[new] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


class FRM(nn.Module):
    """Feature refinement module for one transformer token map.

    Projection to the CNN stage's width (at the token grid), resize to the
    stage's grid, then local depthwise convolution, channel attention
    (squeeze-excitation) and spatial attention (a depthwise 7x7 conv and a
    sigmoid: one spatial weight map per channel), with a residual
    connection. The projection comes before the resize and the
    attentions use convolutions only, so that mmrazor's channel analyzer
    ties every channel of the refined map to the stage it feeds (and can
    prune them together).
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 norm_cfg,
                 reduction=4,
                 spatial_kernel=7):
        super().__init__()
        self.proj = ConvModule(in_channels, out_channels, 1, norm_cfg=norm_cfg)
        self.local = ConvModule(
            out_channels,
            out_channels,
            3,
            padding=1,
            groups=out_channels,
            norm_cfg=norm_cfg)
        hidden = max(out_channels // reduction, 4)
        self.channel_att = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(out_channels, hidden, 1),
            nn.ReLU(inplace=True), nn.Conv2d(hidden, out_channels, 1),
            nn.Sigmoid())
        self.spatial_att = nn.Sequential(
            nn.Conv2d(
                out_channels,
                out_channels,
                spatial_kernel,
                padding=spatial_kernel // 2,
                groups=out_channels), nn.Sigmoid())

    def forward(self, tokens, ref):
        """Refine ``tokens`` (B, E, h, w) onto the grid of ``ref``."""
        x = self.proj(tokens)
        x = F.interpolate(
            x, size=ref.shape[-2:], mode='bilinear', align_corners=False)
        y = self.local(x)
        y = y * self.channel_att(y)
        y = y * self.spatial_att(y)
        return x + y


class FFM(nn.Module):
    """Feature fusion module: a per-pixel, per-channel gate between the CNN
    map ``c`` and the refined transformer map ``t``:
    ``g = sigmoid(W_c c + W_t t)`` (a 1x1 conv on their concatenation,
    written as two convs), ``out = c + conv3x3(g * c + (1 - g) * t)``."""

    def __init__(self, channels, norm_cfg):
        super().__init__()
        self.gate_c = nn.Conv2d(channels, channels, 1)
        self.gate_t = nn.Conv2d(channels, channels, 1, bias=False)
        self.fuse = ConvModule(
            channels, channels, 3, padding=1, norm_cfg=norm_cfg)

    def forward(self, c, t):
        g = torch.sigmoid(self.gate_c(c) + self.gate_t(t))
        return c + self.fuse(g * c + (1 - g) * t)


@MODELS.register_module()
class DPCTNet(BaseModule):
    """DP-CTNet dual-path backbone.

    Args:
        in_channels (int): image channels. Defaults to 3.
        stem_channels (int): width of the CNN stem. Defaults to 32.
        cnn_channels (Sequence[int]): width of each CNN stage.
        cnn_depths (Sequence[int]): residual blocks per CNN stage.
        cnn_strides (Sequence[int]): stride of each stage (after the
            stride-4 stem). Defaults to (1, 2, 2, 2): outputs at 1/4, 1/8,
            1/16, 1/32.
        embed_dims (int): transformer width. Defaults to 128.
        depth (int): transformer blocks. Defaults to 4.
        num_heads (int): attention heads. Defaults to 4.
        mlp_ratio (float): MLP hidden width / embed_dims. Defaults to 4.
        patch_size (int): transformer patch size. Defaults to 16.
        img_size (int | tuple): size the position embedding is made for
            (interpolated for other sizes). Defaults to 512.
        fuse_stages (Sequence[int]): CNN stages that get an FRM + FFM.
        trans_indices (Sequence[int]): for each fused stage, the transformer
            block whose output it receives.
        fuse_into_cnn (bool): feed fused maps to the next CNN stage.
        out_indices (Sequence[int]): stages whose maps are returned.
        norm_cfg (dict): normalisation of the conv layers.
    """

    def __init__(self,
                 in_channels: int = 3,
                 stem_channels: int = 32,
                 cnn_channels: Sequence[int] = (32, 64, 128, 256),
                 cnn_depths: Sequence[int] = (2, 2, 2, 2),
                 cnn_strides: Sequence[int] = (1, 2, 2, 2),
                 embed_dims: int = 128,
                 depth: int = 4,
                 num_heads: int = 4,
                 mlp_ratio: float = 4.0,
                 patch_size: int = 16,
                 img_size=512,
                 fuse_stages: Sequence[int] = (0, 1, 2, 3),
                 trans_indices: Sequence[int] = (0, 1, 2, 3),
                 fuse_into_cnn: bool = True,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        n = len(cnn_channels)
        _check(
            len(cnn_depths) == n and len(cnn_strides) == n,
            f'cnn_channels, cnn_depths and cnn_strides need one entry per '
            f'stage, got {len(cnn_channels)}, {len(cnn_depths)}, '
            f'{len(cnn_strides)}')
        _check(
            len(fuse_stages) == len(trans_indices),
            f'fuse_stages {tuple(fuse_stages)} and trans_indices '
            f'{tuple(trans_indices)} must have the same length')
        _check(
            all(0 <= s < n for s in fuse_stages),
            f'fuse_stages {tuple(fuse_stages)} must name CNN stages 0..'
            f'{n - 1}')
        _check(
            all(0 <= i < depth for i in trans_indices),
            f'trans_indices {tuple(trans_indices)} must name transformer '
            f'blocks 0..{depth - 1}')
        _check(
            all(0 <= i < n for i in out_indices),
            f'out_indices {tuple(out_indices)} must name stages 0..{n-1}')
        _check(
            embed_dims % num_heads == 0,
            f'embed_dims {embed_dims} is not divisible by num_heads '
            f'{num_heads}')
        if isinstance(img_size, int):
            img_size = (img_size, img_size)
        self.fuse_stages = tuple(fuse_stages)
        self.trans_indices = tuple(trans_indices)
        self.fuse_into_cnn = fuse_into_cnn
        self.out_indices = tuple(out_indices)
        self.cnn_path = CNNPath(in_channels, stem_channels, cnn_channels,
                                cnn_depths, cnn_strides, norm_cfg)
        self.transformer_path = TransformerPath(in_channels, embed_dims, depth,
                                                num_heads, mlp_ratio,
                                                patch_size, img_size)
        self.frm = nn.ModuleList(
            [FRM(embed_dims, cnn_channels[s], norm_cfg) for s in fuse_stages])
        self.ffm = nn.ModuleList(
            [FFM(cnn_channels[s], norm_cfg) for s in fuse_stages])

    def transformer_channel_units(self, prefix: str = '') -> dict:
        """The transformer path's channel units, for
        :class:`~rskd_mm.models.mutators.RSKDDualPathChannelMutator` (mmrazor
        unit configs: ``init_args`` and the ``channels`` they tie together,
        module names under ``prefix``).

        * ``{prefix}transformer_path.embed``: the embedding width E, shared
          by the whole residual stream and the FRM inputs;
        * ``{prefix}transformer_path.blocks.N.attn.heads``: block N's heads,
          whole heads of ``head_dims`` channels of q, k, v and of the input
          of ``proj``.
        """
        tp = self.transformer_path
        e = tp.patch_embed.out_channels
        t = f'{prefix}transformer_path'

        def ch(name, start=0, end=e):
            return dict(name=name, start=start, end=end)

        norms = [f'{t}.norm'] + [
            f'{t}.blocks.{i}.{n}' for i in range(len(tp.blocks))
            for n in ('norm1', 'norm2')
        ]
        both = [ch(f'{t}.pos_embed')] + [ch(n) for n in norms]
        outs = [ch(f'{t}.patch_embed')] + both
        ins = list(both) + [
            ch(f'{prefix}frm.{k}.proj.conv') for k in range(len(self.frm))
        ]
        units = {}
        for i, blk in enumerate(tp.blocks):
            b = f'{t}.blocks.{i}'
            outs += [ch(f'{b}.attn.proj'), ch(f'{b}.mlp.2')]
            ins += [ch(f'{b}.attn.qkv'), ch(f'{b}.mlp.0')]
            inner = blk.attn.proj.in_features
            units[f'{b}.attn.heads'] = dict(
                init_args=dict(
                    num_channels=inner, head_dims=blk.attn.head_dims),
                channels=dict(
                    output_related=[
                        ch(f'{b}.attn.qkv', k * inner, (k + 1) * inner)
                        for k in range(3)
                    ],
                    input_related=[ch(f'{b}.attn.proj', 0, inner)]))
        units[f'{t}.embed'] = dict(
            init_args=dict(num_channels=e),
            channels=dict(output_related=outs, input_related=ins))
        return units

    def _tokens(self, x):
        """Token maps (B, E, h, w) after each transformer block."""
        tp = self.transformer_path
        x = tp.pos_embed(tp.patch_embed(x))
        b, e, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        maps = []
        last = len(tp.blocks) - 1
        for i, blk in enumerate(tp.blocks):
            tokens = blk(tokens)
            out = tp.norm(tokens) if i == last else tokens
            maps.append(out.transpose(1, 2).reshape(b, e, h, w))
        return maps

    def forward(self, x):
        if isinstance(x, torch.Tensor):  # not under FX tracing
            stride = self.transformer_path.patch_size
            if x.shape[-2] % stride or x.shape[-1] % stride:
                raise ValueError(
                    f'DPCTNet: input size {tuple(x.shape[-2:])} is not a '
                    f'multiple of the patch size {stride}; pad the inputs '
                    '(e.g. SegDataPreProcessor(size_divisor=32))')
        token_maps = self._tokens(x)
        c = self.cnn_path.stem(x)
        outs = []
        fuse_pos = {s: k for k, s in enumerate(self.fuse_stages)}
        for i, stage in enumerate(self.cnn_path.stages):
            c = stage(c)
            out = c
            if i in fuse_pos:
                k = fuse_pos[i]
                t = self.frm[k](token_maps[self.trans_indices[k]], c)
                out = self.ffm[k](c, t)
                if self.fuse_into_cnn:
                    c = out
            if i in self.out_indices:
                outs.append(out)
        return tuple(outs)
