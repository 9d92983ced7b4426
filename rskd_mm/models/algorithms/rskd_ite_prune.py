# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmrazor's iterative pruning with the target given as one ratio."""
import difflib
from typing import Dict, Optional

from mmrazor.models.algorithms.pruning.ite_prune_algorithm import \
    ItePruneAlgorithm

from rskd_mm.registry import RAZOR_MODELS as MODELS
from ..utils import accept_plain_architecture_checkpoint


@MODELS.register_module()
class RSKDItePrune(ItePruneAlgorithm):
    """``ItePruneAlgorithm`` whose target is one keep-ratio for every channel
    unit the mutator finds, with per-prefix overrides.

    mmrazor's ``target_pruning_ratio`` needs the name of every unit (e.g.
    ``backbone.cnn_path.stages.1.0.conv1_(0, 64)_64``), which changes with
    the model's widths. Here ``default_ratio=0.4`` keeps 40% of the channels
    of every unit, ``ratio_overrides={'decode_head': 0.5}`` sets the units
    whose name starts with a prefix, and an explicit
    ``target_pruning_ratio`` still wins. Everything else (the iterative
    schedule, ``step_freq``, ``prune_times``, the L1 criterion of
    ``L1MutableChannelUnit``) is mmrazor's. ``load_from`` may name a plain
    checkpoint of the model to prune (it is loaded into ``architecture``).

    Args:
        default_ratio (float, optional): fraction of channels kept in every
            unit, in (0, 1].
        ratio_overrides (dict, optional): unit-name prefix -> ratio; the
            longest matching prefix applies.
        target_pruning_ratio (dict, optional): unit name -> ratio.
        **kwargs: the arguments of ``ItePruneAlgorithm``.
    """

    def __init__(self,
                 architecture,
                 default_ratio: Optional[float] = None,
                 ratio_overrides: Optional[Dict[str, float]] = None,
                 target_pruning_ratio: Optional[Dict[str, float]] = None,
                 **kwargs) -> None:
        super().__init__(architecture, **kwargs)
        names = [u.name for u in self.mutator.mutable_units]
        for key, ratio in [('default_ratio', default_ratio)] + [
            (f'ratio_overrides[{k!r}]', v)
                for k, v in (ratio_overrides or {}).items()
        ] + [(f'target_pruning_ratio[{k!r}]', v)
             for k, v in (target_pruning_ratio or {}).items()]:
            if ratio is not None and not (isinstance(ratio, (int, float))
                                          and 0 < ratio <= 1):
                raise ValueError(f'RSKDItePrune: {key} must be a keep-ratio '
                                 f'in (0, 1], got {ratio!r}')
        for prefix in ratio_overrides or {}:
            if not any(n.startswith(prefix) for n in names):
                raise ValueError(
                    f'RSKDItePrune: ratio_overrides prefix {prefix!r} '
                    f'matches no channel unit; units: {names}')
        for name in target_pruning_ratio or {}:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=3)
                raise ValueError(
                    f'RSKDItePrune: target_pruning_ratio names unit '
                    f'{name!r}, which the mutator did not find; close '
                    f'matches: {close}')
        target = {}
        for name in names:
            ratio = default_ratio
            best = -1
            for prefix, value in (ratio_overrides or {}).items():
                if name.startswith(prefix) and len(prefix) > best:
                    ratio, best = value, len(prefix)
            if ratio is not None:
                target[name] = float(ratio)
        target.update(target_pruning_ratio or {})
        self.target_pruning_ratio = target
        # `load_from=<the unpruned model's checkpoint>` fills `architecture`
        accept_plain_architecture_checkpoint(self)
