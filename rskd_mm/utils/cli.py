# Copyright (c) rskd_mm contributors. All rights reserved.
"""Entry points of the tools: the project's own input errors end the tool
with their message (which names the file, key or value at fault) and exit
status 1, without a Python traceback. ``RSKD_TRACEBACK=1`` shows it."""
import os
import sys
from typing import Callable


def user_errors() -> tuple:
    """The exception types that report bad input (not bugs)."""
    from rskd_mm.datasets.annotation_check import AnnotationError
    from rskd_mm.datasets.transforms import CorruptImageError, SegLabelError
    from rskd_mm.models.utils.checkpoint import (CheckpointMismatchError,
                                                 CheckpointReadError)
    from rskd_mm.structures.teacher_cache import TeacherCacheError
    return (AnnotationError, CheckpointMismatchError, CheckpointReadError,
            CorruptImageError, SegLabelError, TeacherCacheError)


def run_cli(main: Callable, prog: str = None) -> None:
    """Run ``main()``; a bad-input error exits with ``prog: message``."""
    errors = user_errors()
    try:
        main()
    except errors as exc:
        if os.environ.get('RSKD_TRACEBACK') == '1':
            raise
        prog = prog or os.path.basename(sys.argv[0])
        sys.stderr.write(f'{prog}: error: {exc}\n')
        sys.exit(1)
