# Copyright (c) rskd_mm contributors. All rights reserved.
import io
import os
import os.path as osp
from collections import OrderedDict
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import weights_to_cpu

from rskd_mm.registry import ENGINE_HOOKS as HOOKS


def student_state_dict(state_dict, prefix: str = 'architecture.'):
    """The student's weights from a distillation state dict, unprefixed."""
    out = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                      if k.startswith(prefix))
    if not out:
        raise KeyError(f'no "{prefix}*" keys in the state dict: is this a '
                       'distillation checkpoint?')
    return out


def atomic_torch_save(obj, filename: str) -> None:
    """Write ``obj`` to ``filename``; a crash never leaves half a file."""
    from rskd_mm.compat.atomic_files import atomic_write_bytes
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(buffer.getvalue(), filename)


@HOOKS.register_module()
class RSKDStudentCheckpointHook(Hook):
    """Write a plain student checkpoint while distilling.

    Next to the distillation checkpoints (student + teacher + distiller), this
    hook writes ``student_epoch_{N}.pth`` (or ``student_iter_{N}.pth``) with
    only the student's weights, under the keys the student's own config
    expects, plus ``meta`` (``dataset_meta`` included). Plain mmpretrain or
    mmseg loads it: ``tools/test.py STUDENT_CONFIG student_epoch_N.pth``,
    ``mmpretrain.apis.ImageClassificationInferencer(STUDENT_CONFIG,
    pretrained=...)`` or ``load_from=`` in a student config.

    Args:
        interval (int): save every ``interval`` epochs (or iterations with
            ``by_epoch=False``). The last one is always saved.
        by_epoch (bool): count epochs (default) or iterations.
        max_keep_ckpts (int): keep the newest N student checkpoints
            (default 1; -1 keeps all). ``student_last_checkpoint`` names
            the newest.
        prefix (str): key prefix of the student in the algorithm
            (``'architecture.'`` for mmrazor algorithms).
        out_dir (str, optional): defaults to the work directory.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 by_epoch: bool = True,
                 max_keep_ckpts: int = 1,
                 prefix: str = 'architecture.',
                 out_dir: Optional[str] = None):
        if interval < 1:
            raise ValueError(f'RSKDStudentCheckpointHook: interval must be '
                             f'>= 1, got {interval}')
        self.interval = interval
        self.by_epoch = by_epoch
        self.max_keep_ckpts = max_keep_ckpts
        self.prefix = prefix
        self.out_dir = out_dir
        self._saved = []

    def after_train_epoch(self, runner) -> None:
        """Write ``student_epoch_N.pth`` every ``interval`` epochs and at the
        last one (``by_epoch=True``).

        Args:
            runner (Runner): the runner of the training loop.
        """
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or self.is_last_train_epoch(runner)):
            self._save(runner, f'student_epoch_{runner.epoch + 1}.pth')

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        """Write ``student_iter_N.pth`` every ``interval`` iterations and at
        the last one (``by_epoch=False``).

        Args:
            runner (Runner): the runner of the training loop.
            batch_idx (int): index of the batch in the epoch.
            data_batch (dict, optional): the batch.
            outputs (dict, optional): the log variables of ``train_step``.
        """
        if not self.by_epoch and (self.every_n_train_iters(
                runner, self.interval) or self.is_last_train_iter(runner)):
            self._save(runner, f'student_iter_{runner.iter + 1}.pth')

    def _save(self, runner, name: str) -> None:
        if runner.rank != 0:
            return
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        state = student_state_dict(model.state_dict(), self.prefix)
        meta = dict(
            epoch=runner.epoch + 1 if self.by_epoch else runner.epoch,
            iter=runner.iter + 1,
            distilled_from=runner.cfg.filename if hasattr(
                runner.cfg, 'filename') else None)
        dataset_meta = getattr(
            getattr(runner.train_dataloader, 'dataset', None), 'metainfo',
            None)
        if dataset_meta is not None:
            meta['dataset_meta'] = dict(dataset_meta)
        out_dir = self.out_dir or runner.work_dir
        os.makedirs(out_dir, exist_ok=True)
        path = osp.join(out_dir, name)
        atomic_torch_save(
            dict(meta=meta, state_dict=weights_to_cpu(state)), path)
        with open(osp.join(out_dir, 'student_last.tmp'), 'w') as f:
            f.write(path)
        os.replace(
            osp.join(out_dir, 'student_last.tmp'),
            osp.join(out_dir, 'student_last_checkpoint'))
        runner.logger.info(f'Student checkpoint saved to {path}')
        if path not in self._saved:
            self._saved.append(path)
        while self.max_keep_ckpts > 0 and \
                len(self._saved) > self.max_keep_ckpts:
            old = self._saved.pop(0)
            if osp.exists(old):
                os.remove(old)
