# Copyright (c) rskd_mm contributors. All rights reserved.
"""Image loading that names a corrupt file, or skips and counts it."""
from collections import Counter

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

from rskd_mm.registry import ENGINE_TRANSFORMS as TRANSFORMS

#: path -> times skipped in this process (``on_corrupt='skip'``)
SKIPPED_IMAGES: Counter = Counter()

#: source mode (``'L'``, ``'RGBA'``, ...) -> images of that mode converted
#: to 3 channels in this process
CONVERTED_IMAGES: Counter = Counter()

#: PIL modes that a 3-channel (``color_type='color'``) load changes
_CONVERTED_MODES = {
    'L': 'grayscale, copied into 3 channels',
    'LA': 'grayscale + alpha, alpha dropped',
    '1': 'black-and-white, copied into 3 channels',
    'P': 'palette, expanded to its colours',
    'RGBA': 'RGBA, alpha dropped',
    'CMYK': 'CMYK, converted',
    'I;16': '16-bit grayscale, copied into 3 channels',
    'I': '32-bit grayscale, copied into 3 channels',
}


def _source_mode(path):
    """The PIL mode of an image file from its header (no decoding), or
    None when PIL cannot tell."""
    try:
        from PIL import Image
        with Image.open(path) as img:
            return img.mode
    except Exception:  # noqa: BLE001 - only a hint; decoding decides
        return None


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

    def _note_conversion(self, path) -> None:
        """Count (and warn about, with the counts so far) an image whose
        channels a 3-channel load changes: grayscale, RGBA, palette."""
        if self.color_type != 'color' or not isinstance(path, str):
            return
        mode = _source_mode(path)
        if mode not in _CONVERTED_MODES:
            return
        CONVERTED_IMAGES[mode] += 1
        n = CONVERTED_IMAGES[mode]
        if n & (n - 1) == 0:  # the 1st, 2nd, 4th, 8th, ... of each mode
            counts = ', '.join(f'{c} {m}'
                               for m, c in sorted(CONVERTED_IMAGES.items()))
            print_log(
                f'{path}: {_CONVERTED_MODES[mode]} (the model takes 3 '
                f'channels); images converted so far in this process: '
                f'{counts}. Convert the data set once (e.g. to RGB PNG) if '
                'this is not intended.',
                logger='current',
                level=30)

    def transform(self, results: dict):
        path = results.get('img_path')
        self._note_conversion(path)
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
