# Copyright (c) rskd_mm contributors. All rights reserved.
"""The metafiles list every config, and agree with docs/results.md."""
import glob
import importlib.util
import os.path as osp

import yaml

from .conftest import REPO_ROOT

FOLDERS = ('baselines', 'demo', 'dpctnet', 'fastkd', 'hmkd', 'lukd')


def gen_module():
    path = osp.join(REPO_ROOT, 'tools', 'misc', 'gen_metafiles.py')
    spec = importlib.util.spec_from_file_location('gen_metafiles', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_yaml(rel):
    with open(osp.join(REPO_ROOT, rel)) as f:
        return yaml.safe_load(f)


def test_model_index_imports_every_method_folder():
    index = load_yaml('model-index.yml')
    assert sorted(index['Import']) == sorted(f'configs/{f}/metafile.yml'
                                             for f in FOLDERS)
    assert set(FOLDERS) == {
        osp.basename(osp.dirname(p))
        for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*.py'))
        if '_base_' not in p
    }


def test_every_config_is_listed_and_every_listed_config_exists():
    for folder in FOLDERS:
        meta = load_yaml(f'configs/{folder}/metafile.yml')
        (collection, ) = meta['Collections']
        listed = [m['Config'] for m in meta['Models']]
        on_disk = sorted(
            osp.relpath(p, REPO_ROOT)
            for p in glob.glob(osp.join(REPO_ROOT, 'configs', folder, '*.py')))
        assert sorted(listed) == on_disk, folder
        for model in meta['Models']:
            assert osp.isfile(osp.join(REPO_ROOT, model['Config']))
            assert model['Name'] == osp.splitext(
                osp.basename(model['Config']))[0]
            assert model['In Collection'] == collection['Name']
            for result in model.get('Results', []):
                assert result['Metrics'], model['Name']
        assert osp.isfile(osp.join(REPO_ROOT, collection['README']))


def test_metafiles_agree_with_the_results_document():
    """The benchmark runner writes docs/results.md; the metafiles are
    generated from it: a stale metafile fails here."""
    assert gen_module().main(['--check']) == 0


def test_measured_rows_reach_the_metafiles(tmp_path):
    gen = gen_module()
    files = gen.expected_files()
    hmkd = yaml.safe_load(files['configs/hmkd/metafile.yml'])
    by_name = {m['Name']: m for m in hmkd['Models']}
    # the published EuroSAT HMKD rows were run with reading (a), lskd_
    online = by_name['lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px']
    top1 = online['Results'][0]['Metrics']['Top 1 Accuracy']
    # the value of the row in the results table
    with open(osp.join(REPO_ROOT, 'docs', 'results.md')) as f:
        text = f.read()
    line = next(ln for ln in text.splitlines()
                if ln.startswith('| HMKD (variance-normalised KD), online'))
    assert f'| {top1:.2f} +/- ' in line
    # a changed result changes the metafile (the check can fail)
    changed = tmp_path / 'results.md'
    changed.write_text(
        text.replace(line, line.replace(f'{top1:.2f}', '12.34', 1)))
    hmkd2 = yaml.safe_load(
        gen.expected_files(str(changed))['configs/hmkd/metafile.yml'])
    online2 = {m['Name']: m for m in hmkd2['Models']}[online['Name']]
    assert online2['Results'][0]['Metrics']['Top 1 Accuracy'] == 12.34
