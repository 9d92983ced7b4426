# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmengine's Runner, with checkpoints loaded strictly.

``Runner.load_checkpoint`` (used by ``load_from``, ``--resume`` and
``tools/test.py``) loads with ``strict=False``: a checkpoint of another
architecture or class count logs "size mismatch for head.fc.weight" and the
run goes on with a classifier that was never loaded (a test then prints a
metric of random weights, with exit status 0). :class:`RSKDRunner` checks
the whole state dict first and stops before any training or evaluation with
one message naming the checkpoint, the config and the first mismatched,
missing and unexpected keys (with both shapes).

Partial loading (fine-tuning from a backbone, a new head) stays possible,
but only when asked for: ``load_partial = True`` in the config (or
``--cfg-options load_partial=True``, or ``tools/train.py --load-partial``).
The log then lists the parameters left untouched and the checkpoint keys
ignored. ``--resume`` is always strict.

Keys that a model loads from elsewhere are not required: a distillation
algorithm's ``teacher.*`` when its ``teacher_ckpt`` is set, and, for a plain
model checkpoint loaded into an algorithm that wraps it (see
:func:`~rskd_mm.models.utils.accept_plain_architecture_checkpoint`),
everything outside the wrapped model.
"""
import os.path as osp
import re
from collections import OrderedDict

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_state_dict

from rskd_mm.models.utils import check_classes, checkpoint_classes
from rskd_mm.models.utils.checkpoint import (CheckpointMismatchError,
                                             extract_state_dict,
                                             format_mismatch, map_state_dict,
                                             plain_model_checkpoint,
                                             read_checkpoint,
                                             state_dict_mismatch)
from rskd_mm.models.utils.compile import compile_options, compile_submodules
from rskd_mm.registry import ENGINE_RUNNERS as RUNNERS


def _loaded_elsewhere(model, plain: bool) -> tuple:
    """Prefixes of the model's keys that the checkpoint need not hold."""
    if plain:
        attr = getattr(model, '_rskd_wrapped_attr', 'architecture')
        return tuple(f'{name}.' for name, _ in model.named_children()
                     if name != attr) + tuple(
                         k for k, _ in model.named_buffers(recurse=False))
    if getattr(model, 'teacher_ckpt', None):
        return ('teacher.', )
    return ()


@RUNNERS.register_module()
class RSKDRunner(Runner):
    """``mmengine.runner.Runner`` whose checkpoint loading is strict unless
    the config sets ``load_partial = True`` (see the module docstring), and
    whose :meth:`test` runs the model through ``torch.compile`` when the
    config sets ``test_compile`` (see
    :mod:`rskd_mm.models.utils.compile`)."""

    def test(self) -> dict:
        """mmengine's ``Runner.test``, with the model's sub-networks
        compiled first when the config sets ``test_compile``.

        Returns:
            dict: the metrics on the test set.
        """
        options = compile_options(self.cfg.get('test_compile'))
        if options is not None:
            names = compile_submodules(self.model, options)
            self.logger.info(
                f'test_compile: torch.compile({options}) on '
                f'{", ".join(names) or "nothing"}; the first batches are '
                'slow while it compiles')
        return super().test()

    def dump_config(self) -> None:
        """mmengine's, except that the config copy at the top of the work
        folder (the config the run started with) is never replaced by a
        resume: a resume that is refused, or that changes the config,
        writes its copy into its own timestamped log folder instead."""
        filename = osp.basename(self.cfg.filename) if self.cfg.filename \
            else f'{self.timestamp}.py'
        top = osp.join(self.work_dir, filename)
        if self._resume and osp.isfile(top):
            path = osp.join(self.log_dir, filename)
            self.cfg.dump(path)
            self.logger.info(f'resume: config copy written to {path}; {top} '
                             '(the config of the first run) is kept')
            return
        super().dump_config()

    def _data_classes(self):
        """``(which loader, class names)`` of the first data loader built
        so far (train, val, test), or ``(None, None)``."""
        for name in ('_train_loop', '_val_loop', '_test_loop'):
            loop = getattr(self, name, None)
            loader = getattr(loop, 'dataloader', None)
            dataset = getattr(loader, 'dataset', None)
            meta = getattr(dataset, 'metainfo', None) or {}
            if meta.get('classes'):
                return name.strip('_').replace('_loop', '_dataloader'), list(
                    meta['classes'])
        return None, None

    def load_or_resume(self) -> None:
        """mmengine's, after checking that every checkpoint loaded while
        building the model (teacher, ensemble members) records the classes
        of the data, in the same order."""
        source, classes = self._data_classes()
        if classes:
            config = getattr(self.cfg, 'filename', None) or '<config>'
            for module in self.model.modules():
                record = getattr(module, '_rskd_checkpoint_classes', None)
                if record:
                    what, filename, recorded = record
                    check_classes(recorded, classes, filename, what,
                                  f'the {source} of {config}')
        super().load_or_resume()

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module\.', '')]):
        """Load a checkpoint into the model, strictly unless asked otherwise.

        Args:
            filename (str): the checkpoint file.
            map_location (str): where to load the tensors. Defaults to 'cpu'.
            strict (bool): ignored: a checkpoint that does not fit raises
                unless the config sets ``load_partial=True`` (never for
                ``--resume``).
            revise_keys (list): ``(pattern, replacement)`` pairs applied to the
                keys first, as in mmengine.

        Returns:
            dict: the loaded checkpoint.
        """
        checkpoint = read_checkpoint(filename, map_location)
        source, classes = self._data_classes()
        config = getattr(self.cfg, 'filename', None) or '<config>'
        check_classes(
            checkpoint_classes(checkpoint), classes, filename,
            'resume' if self._resume else '', f'the {source} of {config}')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model

        state = extract_state_dict(checkpoint, filename)
        for pattern, replacement in revise_keys:
            state = OrderedDict(
                (re.sub(pattern, replacement, k), v) for k, v in state.items())
        plain = plain_model_checkpoint(model, state)
        mapped = map_state_dict(model, state, log=plain)
        missing, unexpected, mismatched = state_dict_mismatch(
            model, mapped, ignore_missing=_loaded_elsewhere(model, plain))
        partial = bool(self.cfg.get('load_partial',
                                    False)) and not (self._resume)
        config = getattr(self.cfg, 'filename', None) or '<config>'
        if missing or unexpected or mismatched:
            details = format_mismatch(missing, unexpected, mismatched,
                                      model.state_dict().keys(), mapped.keys())
            if not partial:
                raise CheckpointMismatchError(
                    f'checkpoint {filename} does not fit the model of '
                    f'{config} ({type(model).__name__}); nothing was run.\n'
                    f'{details}\n'
                    'Use the checkpoint of this config, or, to fine-tune '
                    'from part of it, set load_partial=True (tools/train.py '
                    '--load-partial); --resume and tools/test.py are always '
                    'strict.')
            skipped = {k for k, _, _ in mismatched}
            untouched = sorted(set(missing) | skipped)
            self.logger.warning(
                f'load_partial: {filename} loaded partly into {config}; '
                f'{len(untouched)} parameter/buffer tensors of the model '
                f'were left untouched, {len(unexpected)} checkpoint keys '
                f'ignored.\n{details}')
            for key in skipped:
                del mapped[key]
        # the model's own key mapping runs again inside load_state_dict
        state = mapped
        state._metadata = getattr(
            checkpoint.get('state_dict', checkpoint), '_metadata',
            OrderedDict())
        load_state_dict(model, state, strict=False, logger='silent')
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
