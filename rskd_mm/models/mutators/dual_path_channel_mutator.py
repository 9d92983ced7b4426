# Copyright (c) rskd_mm contributors. All rights reserved.
"""Channel pruning that reaches DP-CTNet's transformer path.

mmrazor's ``ChannelAnalyzer`` finds the channel units of the CNN path, the
FRM / FFM and the decode head by tracing, and the transformer's MLP hidden
widths; it cannot follow the token stream through the reshapes around
attention, so the embedding width and the heads were never pruned.
:class:`RSKDDualPathChannelMutator` keeps the analyzer's units and adds the
ones a backbone declares itself (``transformer_channel_units``, see
``DPCTNet``):

* the **embedding width** E (one unit for the whole residual stream: the
  patch embedding, the position embedding, every LayerNorm, the inputs of
  ``qkv`` and of the MLP, the outputs of the attention projection and of the
  MLP, and the inputs of the FRM projections), and
* the **heads** of every block (a unit over ``qkv``'s q, k and v blocks and
  the input of ``proj``, pruned a whole head at a time: ``head_dims``).

Units are :class:`RSKDChannelUnit`: mmrazor's L1 unit (keep the channels, or
heads, of largest mean absolute weight) that also converts LayerNorms and
the position embedding to dynamic ops. The result is an ordinary mmrazor
mutator: ``export_fix_subnet``, ``tools/pruning/export_pruned.py`` and
``type='mmrazor.sub_model'`` configs work unchanged.
"""
import copy
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine import fileio
from mmrazor.models.architectures.dynamic_ops import DynamicLayerNorm
from mmrazor.models.architectures.dynamic_ops.mixins import DynamicChannelMixin
from mmrazor.models.mutables import L1MutableChannelUnit
from mmrazor.models.mutators import ChannelMutator

from rskd_mm.registry import RAZOR_MODELS as MODELS
from ..backbones.dpctnet import PositionEmbedding


@MODELS.register_module()
class DynamicPositionEmbedding(PositionEmbedding, DynamicChannelMixin):
    """:class:`~rskd_mm.models.backbones.dpctnet.PositionEmbedding` whose
    channels follow a mutable channel mask (the embedding width)."""

    accepted_mutable_attrs = {'embed_dims'}
    attr_mappings = {'in_channels': 'embed_dims', 'out_channels': 'embed_dims'}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mutable_attrs = nn.ModuleDict()

    @property
    def static_op_factory(self):
        return PositionEmbedding

    @classmethod
    def convert_from(cls, module: PositionEmbedding):
        new = cls(module.embed_dims, tuple(module.weight.shape[-2:]))
        new.load_state_dict(module.state_dict())
        return new

    def register_mutable_attr(self, attr, mutable):
        self.check_mutable_attr_valid(attr)
        attr = self.attr_mappings.get(attr, attr)
        if attr in self.mutable_attrs:  # input and output: the same channels
            return
        self.check_mutable_channels(mutable)
        if mutable.current_mask.size(0) != self.embed_dims:
            raise ValueError('DynamicPositionEmbedding: mask of '
                             f'{mutable.current_mask.size(0)} channels for '
                             f'an embedding of {self.embed_dims}')
        self.mutable_attrs[attr] = mutable

    def embedding(self):
        if 'embed_dims' not in self.mutable_attrs:
            return self.weight
        mask = self.mutable_attrs['embed_dims'].current_mask
        return self.weight[:, mask.to(self.weight.device)]

    def to_static_op(self) -> PositionEmbedding:
        self.check_if_mutables_fixed()
        weight = self.embedding().detach().clone()
        static = PositionEmbedding(weight.shape[1], tuple(weight.shape[-2:]))
        static.weight.data.copy_(weight)
        return static


@MODELS.register_module()
class RSKDChannelUnit(L1MutableChannelUnit):
    """mmrazor's ``L1MutableChannelUnit`` (keep the channels of largest mean
    absolute weight of the unit's output layers, Li et al., ICLR 2017), plus

    * whole groups: with ``head_dims > 1`` the unit's channels are
      ``num_channels // head_dims`` attention heads of ``head_dims``
      channels; a head's importance is the mean of its channels', and whole
      heads are kept (the choice is rounded to a multiple of
      ``head_dims``);
    * LayerNorms and DP-CTNet's position embedding become dynamic ops, so
      the transformer's embedding width can be a unit.

    Args:
        num_channels (int): channels of the unit.
        head_dims (int): channels per group (head). Defaults to 1.
        Others: ``L1MutableChannelUnit``'s.
    """

    def __init__(self,
                 num_channels: int,
                 choice_mode='number',
                 divisor=1,
                 min_value=1,
                 min_ratio=0.9,
                 head_dims: int = 1) -> None:
        if head_dims < 1 or num_channels % head_dims:
            raise ValueError(
                f'RSKDChannelUnit: head_dims {head_dims} must divide '
                f'num_channels {num_channels}')
        if head_dims > 1:  # whole heads: choices are multiples of head_dims
            divisor = head_dims * max(1, divisor // head_dims)
            min_value = max(min_value, head_dims)
        super().__init__(num_channels, choice_mode, divisor, min_value,
                         min_ratio)
        self.head_dims = head_dims

    def prepare_for_pruning(self, model: nn.Module):
        self._replace_with_dynamic_ops(
            model, {
                nn.LayerNorm: DynamicLayerNorm,
                PositionEmbedding: DynamicPositionEmbedding
            })
        super().prepare_for_pruning(model)

    def _generate_mask(self, choice: int) -> torch.Tensor:
        if self.head_dims == 1:
            return super()._generate_mask(choice)
        if choice % self.head_dims:
            raise ValueError(
                f'RSKDChannelUnit {self.name}: {choice} channels is not a '
                f'whole number of heads of {self.head_dims}')
        norm = self._get_unit_norm().reshape(-1, self.head_dims).mean(1)
        keep = norm.topk(choice // self.head_dims)[1]
        heads = torch.zeros(norm.numel(), device=norm.device)
        heads[keep] = 1
        return heads.repeat_interleave(self.head_dims)

    def config_template(self, with_init_args=False, with_channels=False):
        config = super().config_template(with_init_args, with_channels)
        if with_init_args:
            config['init_args']['head_dims'] = self.head_dims
        return config


@MODELS.register_module()
class RSKDDualPathChannelMutator(ChannelMutator):
    """mmrazor's ``ChannelMutator`` (units found by ``parse_cfg``'s
    analyzer) plus the channel units that modules of the model declare
    through a ``transformer_channel_units(prefix)`` method (DP-CTNet's
    embedding width and heads). Analyzer units that share a channel with a
    declared unit are dropped (the declared unit covers them).

    Args:
        channel_unit_cfg (dict): the units' type and default arguments.
            Defaults to :class:`RSKDChannelUnit` in ratio mode.
        transformer_units (bool): add the declared units. False gives the
            plain analyzer units. Defaults to True.
        Others: ``ChannelMutator``'s.
    """

    def __init__(self,
                 channel_unit_cfg: Dict = dict(
                     type='RSKDChannelUnit',
                     default_args=dict(choice_mode='ratio')),
                 transformer_units: bool = True,
                 **kwargs):
        super().__init__(channel_unit_cfg=channel_unit_cfg, **kwargs)
        self.transformer_units = transformer_units

    @staticmethod
    def _declared_unit_cfgs(model: nn.Module) -> Dict[str, dict]:
        cfgs = {}
        for name, module in model.named_modules():
            declare = getattr(module, 'transformer_channel_units', None)
            if callable(declare):
                cfgs.update(declare(f'{name}.' if name else ''))
        return cfgs

    def _declared_units(self, model: nn.Module) -> List:
        units = []
        for key, cfg in self._declared_unit_cfgs(model).items():
            init_args = dict(self.unit_default_args)
            init_args.update(cfg['init_args'])
            unit = self.unit_class.init_from_cfg(
                model, dict(init_args=init_args, channels=cfg['channels']))
            unit.name = key
            units.append(unit)
        return units

    def _prepare_from_tracer(self, model: nn.Module, parse_cfg: Dict):
        units = super()._prepare_from_tracer(model, parse_cfg)
        if not self.transformer_units:
            return units
        declared = self._declared_units(model)
        taken = {(c.name, c.is_output_channel)
                 for u in declared
                 for c in list(u.input_related) + list(u.output_related)}
        kept = [
            u for u in units
            if not any((c.name, c.is_output_channel) in taken
                       for c in list(u.input_related) + list(u.output_related))
        ]
        return kept + declared

    def _prepare_from_cfg(self, model: nn.Module, config: Dict):
        """Units from a stored config (a ``fix_subnet.json``). Declared units
        stored without their channels (``export_fix_subnet`` without
        ``export_channel``) get them from the model's declaration, as the
        analyzer's units get theirs from the tracer."""
        units = self.channel_unit_cfg.get('units')
        if isinstance(units, str):
            units = self.channel_unit_cfg['units'] = fileio.load(units)
        declared = self._declared_unit_cfgs(model)
        for key, cfg in (units or {}).items():
            if 'channels' not in cfg and key in declared:
                cfg['channels'] = copy.deepcopy(declared[key]['channels'])
                cfg['init_args'] = dict(declared[key]['init_args'],
                                        **cfg.get('init_args', {}))
        return super()._prepare_from_cfg(model, config)
