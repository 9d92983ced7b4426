# Copyright (c) rskd_mm contributors. All rights reserved.
"""Export a pruned model (e.g. EDP-CTNet) from an mmrazor pruning run.

    python tools/pruning/export_pruned.py PRUNE_CONFIG CHECKPOINT \
        [--out-dir DIR] [--cfg-options k=v ...]

Builds the pruning algorithm of PRUNE_CONFIG (e.g. ``RSKDItePrune``), loads
CHECKPOINT (its weights and the mutator's channel masks), and writes to
``--out-dir`` (default: the checkpoint's directory):

* ``fix_subnet.json``: the pruned structure (mmrazor's mutator config with
  the kept channels), read by ``type='mmrazor.sub_model'`` configs;
* ``pruned.pth``: the weights of the static pruned model (plain
  ``state_dict``: the model trains, tests and distils like any other);
* ``pruned_summary.json``: parameters before and after, per-unit choices.

Both files are written atomically; the tool checks that the static model
built from ``fix_subnet.json`` accepts ``pruned.pth`` strictly.
"""
import argparse
import json
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

import rskd_mm  # noqa: F401  (compat layer, registries)
from rskd_mm.utils.cli import add_trust_arg, apply_trust_arg
from rskd_mm.utils.paths import check_outputs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='the pruning config')
    p.add_argument('checkpoint', help='checkpoint of the pruning run')
    p.add_argument(
        '--out-dir',
        help='where to write (default: next to '
        'the checkpoint)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_trust_arg(p)
    return p.parse_args(argv)


def _atomic_write(path, write):
    """``write(tmp_path)``, then rename onto ``path`` (never partial)."""
    tmp = f'{path}.tmp{os.getpid()}'
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def export(config, checkpoint, out_dir=None, cfg_options=None):
    from mmrazor.registry import MODELS
    from mmrazor.structures.subnet.fix_subnet import export_fix_subnet

    from rskd_mm.models.utils import (CheckpointMismatchError,
                                      extract_state_dict, format_mismatch,
                                      read_checkpoint, state_dict_mismatch)
    out_dir = out_dir or osp.dirname(osp.abspath(checkpoint))
    subnet_path = osp.join(out_dir, 'fix_subnet.json')
    weights_path = osp.join(out_dir, 'pruned.pth')
    summary_path = osp.join(out_dir, 'pruned_summary.json')
    check_outputs(
        dict(config=config, checkpoint=checkpoint),
        dict(
            structure=subnet_path, weights=weights_path, summary=summary_path),
        prog='export_pruned')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if not hasattr(cfg.model, 'architecture'):
        raise ValueError(f'{config}: model has no `architecture`; is it a '
                         'pruning config (e.g. type=RSKDItePrune)?')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = cfg.model.copy()
    model_cfg['architecture'] = dict(model_cfg['architecture'])
    model_cfg['architecture'].pop('init_cfg', None)
    algorithm = MODELS.build(model_cfg)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    state = extract_state_dict(read_checkpoint(checkpoint), checkpoint)
    masks = [k for k in state if k.startswith('mutator.')]
    if not masks:
        raise ValueError(
            f'{checkpoint} has no mutator state (mutator.*): it is not a '
            'checkpoint of a pruning run of this config')
    missing, unexpected, mismatched = state_dict_mismatch(algorithm, state)
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(
            f'checkpoint {checkpoint} does not fit the model of {config}; '
            'nothing was exported.\n' +
            format_mismatch(missing, unexpected, mismatched,
                            algorithm.state_dict().keys(), state.keys()))
    algorithm.load_state_dict(state, strict=True)
    algorithm.eval()
    params_before = sum(p.numel() for p in algorithm.architecture.parameters())
    fix_subnet, static = export_fix_subnet(
        algorithm,
        export_subnet_mode='mutator',
        slice_weight=True,
        export_channel=True)
    arch = static.architecture
    params_after = sum(p.numel() for p in arch.parameters())

    os.makedirs(out_dir, exist_ok=True)

    def dump_json(obj):
        return lambda p: json.dump(obj, open(p, 'w'), indent=1, default=str)

    _atomic_write(subnet_path, dump_json(fix_subnet))
    _atomic_write(
        weights_path, lambda p: torch.save(
            dict(
                meta=dict(
                    source_config=config,
                    source_checkpoint=checkpoint,
                    fix_subnet=osp.basename(subnet_path)),
                state_dict=arch.state_dict()), p))

    # the deployable model: built from the architecture config and the
    # exported structure, it must take the exported weights strictly
    sub = MODELS.build(
        dict(
            _scope_='mmrazor',
            type='sub_model',
            cfg=dict(cfg.model.architecture, init_cfg=None),
            fix_subnet=subnet_path,
            mode='mutator'))
    sub.load_state_dict(arch.state_dict(), strict=True)
    choices = {
        name: unit['choice']
        for name, unit in fix_subnet['channel_unit_cfg']['units'].items()
    }
    summary = dict(
        params_before=params_before,
        params_after=params_after,
        ratio=params_after / params_before,
        choices=choices)
    _atomic_write(summary_path, dump_json(summary))
    return summary, subnet_path, weights_path


def main(argv=None):
    args = parse_args(argv)
    apply_trust_arg(args)
    summary, subnet_path, weights_path = export(args.config, args.checkpoint,
                                                args.out_dir, args.cfg_options)
    print(f"parameters: {summary['params_before'] / 1e6:.3f} M -> "
          f"{summary['params_after'] / 1e6:.3f} M "
          f"({100 * summary['ratio']:.1f} %)")
    print(f'structure: {subnet_path}\nweights:   {weights_path}')


if __name__ == '__main__':
    from rskd_mm.utils import run_cli
    run_cli(main)
