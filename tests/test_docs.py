# Copyright (c) rskd_mm contributors. All rights reserved.
"""The docs agree with the code: links resolve, sizes and papers."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

import rskd_mm.models.losses as losses
from .conftest import REPO_ROOT

DOCS = ['README.md', 'configs/README.md'] + sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')) +
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'README.md')))
METHOD_READMES = [
    f'configs/{m}/README.md' for m in ('hmkd', 'fastkd', 'lukd', 'dpctnet')
]


def read(rel):
    with open(osp.join(REPO_ROOT, rel)) as f:
        return f.read()


def test_front_page_is_short():
    assert len(read('README.md').encode()) <= 6 * 1024


@pytest.mark.parametrize('rel', DOCS)
def test_relative_links_resolve(rel):
    text = read(rel)
    missing = []
    for target in re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', text):
        if re.match(r'[a-z]+://', target):
            continue
        path = osp.normpath(osp.join(REPO_ROOT, osp.dirname(rel), target))
        if not osp.exists(path):
            missing.append(target)
    assert missing == [], f'{rel}: links to missing files {missing}'


@pytest.mark.parametrize('rel', METHOD_READMES)
def test_method_readme_names_its_paper_with_a_link(rel):
    text = read(rel)
    assert '## Papers' in text
    papers = text.split('## Papers', 1)[1]
    assert re.search(r'<https://(doi\.org|arxiv\.org)/\S+>', papers), rel


LOSS_CLASSES = [
    n for n in losses.__all__ if isinstance(getattr(losses, n), type)
]


def test_every_registered_loss_is_checked():
    assert len(LOSS_CLASSES) == 4


@pytest.mark.parametrize('name', LOSS_CLASSES)
def test_loss_docstring_names_its_paper_with_a_link(name):
    cls = getattr(losses, name)
    assert re.search(r'https://(doi\.org|arxiv\.org)/\S+', cls.__doc__), name


def test_dpctnet_readme_patch_sizes_match_the_configs():
    text = read('configs/dpctnet/README.md')
    match = re.search(
        r'patch embedding \((\d+) px in the tiny model, (\d+) px in the\s+'
        r'base model', text)
    assert match, 'the patch sizes are no longer stated in the README'
    tiny = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/_base_/models/dpctnet-t.py'))
    base = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/_base_/models/dpctnet-b.py'))
    assert int(match.group(1)) == tiny.model.backbone.patch_size
    assert int(match.group(2)) == base.model.backbone.patch_size
