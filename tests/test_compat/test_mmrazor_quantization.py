# Copyright (c) rskd_mm contributors. All rights reserved.
"""mmrazor 1.0.0 imports on torch >= 2.1 once rskd_mm is imported."""
import subprocess
import sys

import pytest

from rskd_mm.compat import APPLIED, mmrazor_quantization
from rskd_mm.compat.utils import parse_version, torch_version


def _python(code):
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True)


def test_parse_version():
    assert parse_version('2.14.1+cu130') == (2, 14, 1)
    assert parse_version('2.1.0a0') == (2, 1, 0)
    assert parse_version('0.10.7') == (0, 10, 7)


@pytest.mark.skipif(torch_version() < (2, 1), reason='needs torch >= 2.1')
def test_mmrazor_import_is_broken_without_the_fix():
    """The problem the fix exists for (fails if mmrazor ever fixes it)."""
    proc = _python('import mmrazor.models')
    assert proc.returncode != 0
    assert 'torch' in proc.stderr


def test_mmrazor_imports_after_rskd_mm():
    proc = _python(
        'import rskd_mm, sys\n'
        'from mmrazor.models import (SingleTeacherDistill, '
        'ConfigurableDistiller, ItePruneAlgorithm)\n'
        'from mmrazor.models.task_modules import ModuleOutputsRecorder\n'
        "m = sys.modules['mmrazor.structures.quantization.backend_config']\n"
        "assert getattr(m, '__rskd_mm_stub__', False)\n"
        "print('ok')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith('ok')


def test_fix_is_recorded():
    if torch_version() >= (2, 1):
        assert 'mmrazor_quantization' in APPLIED


def test_quantization_objects_raise_a_clear_error():
    stub = mmrazor_quantization.make_stub()
    with pytest.raises(RuntimeError, match='quantization is not available'):
        stub.BackendConfigs['native']
    with pytest.raises(RuntimeError, match='get_native_backend_config'):
        stub.get_native_backend_config()
    assert set(stub.__all__) >= {'BackendConfigs', 'get_native_backend_config'}


def test_importing_mmrazor_first_is_reported():
    proc = _python('import mmrazor; import rskd_mm')
    if torch_version() >= (2, 1):
        assert proc.returncode != 0
        assert 'Import rskd_mm' in proc.stderr
