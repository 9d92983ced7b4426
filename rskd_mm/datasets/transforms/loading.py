# Copyright (c) rskd_mm contributors. All rights reserved.
"""Image loading that names a corrupt file, or skips and counts it."""
from collections import Counter

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

from rskd_mm.registry import ENGINE_TRANSFORMS as TRANSFORMS

#: path -> times skipped in this process (``on_corrupt='skip'``)
SKIPPED_IMAGES: Counter = Counter()


class CorruptImageError(ValueError):
    """An image file exists but cannot be decoded."""


@TRANSFORMS.register_module()
class RSKDLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with a decision for undecodable files.

    mmcv raises a bare ``AssertionError`` for a corrupt or truncated image
    (its ``ignore_empty`` covers only missing files). Here:

    * ``on_corrupt='raise'`` (default): :class:`CorruptImageError` naming
      the file and what to do;
    * ``on_corrupt='skip'``: the sample is dropped (the dataset serves
      another one, as mmengine's datasets do for a ``None`` result), a
      warning names the file, and :data:`SKIPPED_IMAGES` counts it.

    Drop-in for ``LoadImageFromFile`` in any pipeline (mmpretrain, mmseg).
    """

    def __init__(self, on_corrupt: str = 'raise', **kwargs) -> None:
        if on_corrupt not in ('raise', 'skip'):
            raise ValueError(f'RSKDLoadImageFromFile: on_corrupt must be '
                             f"'raise' or 'skip', got {on_corrupt!r}")
        super().__init__(**kwargs)
        self.on_corrupt = on_corrupt

    def transform(self, results: dict):
        path = results.get('img_path')
        try:
            return super().transform(results)
        except (AssertionError, OSError, ValueError) as e:
            if isinstance(e, FileNotFoundError):
                raise
            if self.on_corrupt == 'skip':
                SKIPPED_IMAGES[path] += 1
                print_log(
                    f'skipping an unreadable image: {path} ({e}); '
                    f'{len(SKIPPED_IMAGES)} skipped so far',
                    logger='current',
                    level=30)
                return None
            raise CorruptImageError(
                f'{path}: the image cannot be decoded (corrupt or '
                'truncated). Replace or remove the file, or set '
                "on_corrupt='skip' in RSKDLoadImageFromFile to skip such "
                'files.') from e
