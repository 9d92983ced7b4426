# Copyright (c) rskd_mm contributors. All rights reserved.
"""Stop a run at the first non-finite loss, naming the iteration and the
loss terms, before anything saves a checkpoint of the broken weights."""
import math

from mmengine.hooks import Hook

from rskd_mm.registry import ENGINE_HOOKS as HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or infinite."""


@HOOKS.register_module()
class RSKDFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a logged loss term is not
    finite.

    mmengine's ``CheckInvalidLossHook`` asserts on the total loss every 50
    iterations; this hook checks every term (``student.loss``,
    ``distill.loss_akd``, ...) at every iteration, and names the iteration,
    the epoch and the values. It runs before the checkpoint hook (priority
    ``ABOVE_NORMAL``), so the broken weights are never saved: the last
    checkpoint on disk is the last good one, and ``--resume`` (perhaps with
    a lower learning rate or ``optim_wrapper.clip_grad``) continues from it.

    Args:
        interval (int): check every ``interval`` iterations. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        """Stop the run if a logged loss term is NaN or infinite.

        Args:
            runner (Runner): the runner of the training loop.
            batch_idx (int): index of the batch in the epoch.
            data_batch (dict, optional): the batch.
            outputs (dict, optional): the log variables of ``train_step``.
        """
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        values = {}
        for name, value in outputs.items():
            if 'loss' not in name:
                continue
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                continue
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in values.items())
            raise NonFiniteLossError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {sorted(bad)} ; all terms: {terms}. '
                'No checkpoint was written for this iteration; the last one '
                f'in {runner.work_dir} is the last good state. Lower the '
                'learning rate or the loss weights, or clip gradients '
                '(optim_wrapper.clip_grad), then resume with --resume.')
