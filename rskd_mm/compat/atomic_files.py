# Copyright (c) rskd_mm contributors. All rights reserved.
"""Atomic writes for mmengine's local files (checkpoints, last_checkpoint).

mmengine 0.10.7 saves a checkpoint by serialising it to memory and writing
the bytes over the target path with ``LocalBackend.put`` (``open(path,
'wb')``), and records the latest one with ``put_text``. A crash, a full disk
or a SIGKILL during the write leaves a truncated ``epoch_N.pth`` or
``last_checkpoint``, and ``--resume`` then fails or loads garbage.

With this fix both write to a temporary file in the same directory, flush
and fsync it, and ``os.replace`` it onto the target: a reader sees the old
file or the complete new one, never a partial one. If the write fails, the
temporary file is removed and the old file is untouched.

Targets: mmengine <= 0.10.7 (any version whose ``LocalBackend.put`` writes in
place).
"""
import os
import os.path as osp
import tempfile


def atomic_write_bytes(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` so that ``path`` is never partial."""
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def needed() -> bool:
    from mmengine.fileio.backends.local_backend import LocalBackend
    return not getattr(LocalBackend.put, '_rskd_atomic', False)


def apply() -> None:
    from mmengine.fileio.backends.local_backend import LocalBackend

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)

    put.__doc__ = LocalBackend.put.__doc__
    put_text.__doc__ = LocalBackend.put_text.__doc__
    put._rskd_atomic = True
    put_text._rskd_atomic = True
    LocalBackend.put = put
    LocalBackend.put_text = put_text
