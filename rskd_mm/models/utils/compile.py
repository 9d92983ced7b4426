# Copyright (c) rskd_mm contributors. All rights reserved.
"""``test_compile``: run inference through ``torch.compile``.

mmengine's own ``compile`` config key compiles ``train_step`` for training
only. ``test_compile = True`` (or a dict of ``torch.compile`` arguments,
e.g. ``dict(mode='reduce-overhead')`` for CUDA graphs, or
``dict(mode='max-autotune')``) in a config, or ``--cfg-options
test_compile=True``, makes ``tools/test.py`` (``RSKDRunner.test``) and the
raster tools (``rskd_mm.apis.init_model``) compile the model's
sub-networks. What is compiled is the ``forward`` of each sub-network of the
model (backbone, neck, decode/auxiliary/classification heads), never the
data handling around them (data preprocessor, data samples, resizing and
post-processing), which stays eager: the compiled graphs are pure tensor
code without graph breaks. Compilation happens at the first batch; weights
loaded later (``load_from``, ``init_model``'s checkpoint) are used.
"""
from typing import List, Union

import torch
import torch.nn as nn

#: Children of a model that are not sub-networks.
_SKIP = ('data_preprocessor', )


def compile_options(value) -> Union[dict, None]:
    """``test_compile`` as ``torch.compile`` keyword arguments (None: off).

    Raises:
        TypeError: naming the key, for anything but a bool or a dict.
    """
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise TypeError('test_compile must be True/False or a dict of '
                    f'torch.compile arguments, got {value!r}')


def compile_submodules(model: nn.Module, options: dict) -> List[str]:
    """Compile the ``forward`` of each sub-network of ``model`` in place.

    A distillation algorithm is unwrapped to the model it trains
    (``architecture``); an ensemble's members are compiled one by one.

    Args:
        model (nn.Module): a segmentor, a classifier or a distillation
            algorithm (possibly inside a model wrapper, ``.module``).
        options (dict): ``torch.compile`` keyword arguments.

    Returns:
        list[str]: the names of the compiled sub-networks.
    """
    model = getattr(model, 'module', model)
    model = getattr(model, 'architecture', model)
    compiled = []
    for name, child in model.named_children():
        if name in _SKIP or child is None:
            continue
        if name == 'members' and isinstance(child, nn.ModuleDict):
            for member_name, member in child.items():
                compiled += [
                    f'members.{member_name}.{n}'
                    for n in compile_submodules(member, options)
                ]
            continue
        if not any(True for _ in child.parameters()):
            continue  # e.g. a fusion rule: nothing to gain
        child.forward = torch.compile(child.forward, **options)
        compiled.append(name)
    return compiled


__all__ = ['compile_options', 'compile_submodules']
