# Copyright (c) rskd_mm contributors. All rights reserved.
"""Resolve ``mmpretrain::``/``mmseg::`` config bases without pkg_resources.

mmengine 0.10.7 finds installed OpenMMLab packages (for ``_base_`` entries
such as ``'mmpretrain::_base_/default_runtime.py'`` and for
``mmengine.hub``) through ``pkg_resources``. setuptools 81 removed
``pkg_resources``, and torch >= 2.9 requires setuptools >= 77, so a fresh
environment may lack it and every scoped config fails to load. This fix
re-implements ``is_installed``, ``get_installed_path`` and
``package2module`` with :mod:`importlib.metadata` and binds them wherever
mmengine imported them by name.

Targets: mmengine <= 0.10.7 with setuptools >= 81 (applied whenever
``pkg_resources`` cannot be imported).
"""
import importlib.metadata as metadata
import importlib.util
import os.path as osp
import sys

# Modules that imported the functions by name.
_BINDINGS = ('mmengine.utils.package_utils', 'mmengine.utils',
             'mmengine.config.config', 'mmengine.hub.hub')


def _distribution(package: str):
    try:
        return metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None


def package2module(package: str) -> str:
    """Infer the top-level module of an installed distribution."""
    dist = _distribution(package)
    if dist is None:
        raise ValueError(f'can not infer the module name of {package}: '
                         'it is not installed')
    top_level = dist.read_text('top_level.txt')
    if top_level:
        return top_level.split()[0]
    # No top_level.txt (e.g. some wheels built by newer backends): use the
    # first package directory listed in RECORD.
    for file in dist.files or []:
        parts = file.parts
        if len(parts) > 1 and parts[1] == '__init__.py':
            return parts[0]
    raise ValueError(f'can not infer the module name of {package}')


def is_installed(package: str) -> bool:
    """Whether ``package`` is an installed distribution or importable."""
    if _distribution(package) is not None:
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """Directory of the installed package (same contract as mmengine's)."""
    dist = _distribution(package)
    if dist is None:
        spec = importlib.util.find_spec(package)
        if spec is None:
            raise metadata.PackageNotFoundError(package)
        if spec.origin is None:
            raise RuntimeError(f'{package} is a namespace package, which is '
                               'invalid for `get_install_path`')
        return osp.dirname(spec.origin)
    # Editable installs and regular installs alike: ask the import system
    # where the top-level module lives.
    module = package2module(
        package) if not importlib.util.find_spec(package) else package
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        return osp.dirname(spec.origin)
    location = str(dist.locate_file(''))
    possible_path = osp.join(location, package)
    if osp.exists(possible_path):
        return possible_path
    return osp.join(location, module)


def needed() -> bool:
    """True when ``pkg_resources`` cannot be imported."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        return True
    return False


def apply() -> None:
    import mmengine.config.config  # noqa: F401
    import mmengine.hub.hub  # noqa: F401
    import mmengine.utils.package_utils  # noqa: F401
    replacements = dict(
        is_installed=is_installed,
        get_installed_path=get_installed_path,
        package2module=package2module)
    for module_name in _BINDINGS:
        module = sys.modules[module_name]
        for name, func in replacements.items():
            if hasattr(module, name):
                setattr(module, name, func)
