"""Install rskd_mm: ``pip install -e .`` (see README for the full stack)."""
import os.path as osp
import re
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Read ``requirements/<name>.txt``, skipping comments and blanks."""
    path = osp.join(HERE, 'requirements', f'{name}.txt')
    reqs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def get_version():
    with open(osp.join(HERE, 'rskd_mm', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def readme():
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


setup(
    name='rskd_mm',
    version=get_version(),
    description='Knowledge distillation for remote sensing, as an OpenMMLab '
    'plugin (mmpretrain, mmsegmentation, mmrazor)',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    python_requires='>=3.8',
    install_requires=read_requirements('runtime'),
    extras_require=dict(
        tests=read_requirements('tests'), deploy=read_requirements('deploy')),
    zip_safe=False,
)
