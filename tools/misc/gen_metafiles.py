# Copyright (c) rskd_mm contributors. All rights reserved.
"""Write each method folder's ``metafile.yml`` and the root
``model-index.yml`` (the model-index format of mmpretrain and mmrazor, read
by ``mim`` and their docs) from the configs and ``docs/results.md``.

    python tools/misc/gen_metafiles.py           # rewrite the metafiles
    python tools/misc/gen_metafiles.py --check   # exit 1 if any is stale

Every config of a folder gets an entry (name, config, training data,
schedule, paper). A config that ``tools/analysis_tools/run_benchmarks.py``
measured gets the result of its row in ``docs/results.md`` (mean over the
row's seeds, with the seeds, parameters and FLOPs), so the metafiles and the
benchmark tables cannot disagree: ``tests/test_metafiles.py`` runs
``--check``.
"""
import argparse
import glob
import importlib.util
import os
import os.path as osp
import re
import sys

import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = 'docs/results.md'

HMKD_PAPER = dict(
    Title='Efficient knowledge distillation for hybrid models: A vision '
    'transformer-convolutional neural network to convolutional neural '
    'network approach for classifying remote sensing images '
    '(HMKD-Net)',
    URL='https://doi.org/10.1049/csy2.12120')
# One collection per method folder.
COLLECTIONS = {
    'baselines':
    dict(
        Name='Baselines',
        Metadata=dict(
            Architecture=['ResNet', 'MobileNetV2', 'VGG', 'ViT', 'DeiT']),
        README='configs/baselines/README.md'),
    'demo':
    dict(
        Name='Demo',
        Metadata=dict(Architecture=['ResNet', 'MobileNetV2', 'FCN']),
        README='configs/demo/README.md'),
    'hmkd':
    dict(
        Name='HMKD-Net',
        Metadata=dict(Architecture=[
            'Hybrid CNN + ViT teacher ensemble', 'Knowledge distillation'
        ]),
        Paper=HMKD_PAPER,
        README='configs/hmkd/README.md'),
    'fastkd':
    dict(
        Name='HMKD-Net fast KD',
        Metadata=dict(
            Architecture=['Cached teacher outputs', 'Knowledge distillation']),
        Paper=HMKD_PAPER,
        README='configs/fastkd/README.md'),
    'lukd':
    dict(
        Name='Land-use KD',
        Metadata=dict(Architecture=[
            'VGG16 teacher', 'MobileNetV2 student', 'KL + cosine soft loss'
        ]),
        Paper=dict(
            Title='Improved Knowledge Distillation for Land-Use Image '
            'Classification',
            URL='https://arxiv.org/abs/2606.14886'),
        README='configs/lukd/README.md'),
    'dpctnet':
    dict(
        Name='DP-CTNet',
        Metadata=dict(Architecture=[
            'Dual-path CNN + transformer', 'Channel pruning',
            'Angle knowledge distillation'
        ]),
        Paper=dict(
            Title='Enhancing Remote Sensing Semantic Segmentation Accuracy '
            'and Efficiency Through Transformer and Knowledge Distillation '
            '(DP-CTNet, EDP-CTNet)',
            URL='https://doi.org/10.1109/JSTARS.2025.3525634'),
        README='configs/dpctnet/README.md'),
}
DATA_NAMES = {
    'eurosat': 'EuroSAT',
    'ucm': 'UC Merced',
    'aid': 'AID',
    'nwpu45': 'NWPU-RESISC45',
    'demo-scene': 'synthetic scenes (embedded demo)',
    'demo-seg': 'synthetic segmentation (embedded demo)',
    'dubai': 'Dubai aerial',
    'vaihingen': 'ISPRS Vaihingen',
    'potsdam': 'ISPRS Potsdam',
    'loveda': 'LoveDA',
    'rs-folder': 'any folder in the mmseg layout',
}
TASKS = {
    'dpctnet': 'Semantic Segmentation',
}


def load_runner():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'run_benchmarks.py')
    spec = importlib.util.spec_from_file_location('run_benchmarks', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_number(cell):
    match = re.search(r'-?\d+(?:\.\d+)?', cell)
    return float(match.group()) if match else None


def measured_results(results_path):
    """{config path: result dict} for every measured row of the results
    document, through the benchmark runner's rows (label -> config)."""
    runner = load_runner()
    with open(results_path) as f:
        text = f.read()
    out = {}
    for suite_name, suite in runner.SUITES.items():
        block = runner.read_block(text, suite_name)
        if not block:
            continue
        lines = [ln for ln in block.splitlines() if ln.startswith('|')]
        header = [c.strip() for c in lines[0].strip('|').split('|')]
        by_label = {}
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip('|').split('|')]
            by_label[cells[0]] = dict(zip(header, cells))
        for row in suite['rows']:
            cells = by_label.get(row['label'])
            config = row['train_config'] or row['test_config']
            if cells is None or config in out:
                continue
            metric_col = next(
                h for h in header if h.startswith(('Test top-1', 'mIoU')))
            value = first_number(cells[metric_col])
            if value is None:  # a row that was not run
                continue
            metric = ('Top 1 Accuracy'
                      if metric_col.startswith('Test') else 'mIoU')
            seeds = cells.get('Seeds', '0')
            result = dict(
                Task='Image Classification'
                if metric == 'Top 1 Accuracy' else 'Semantic Segmentation',
                Dataset='EuroSAT'
                if suite_name == 'eurosat' else 'Dubai aerial',
                Metrics={metric: value},
                Seeds=seeds)
            params = first_number(cells.get('Params (M)', ''))
            flops = cells.get('FLOPs (M)') or cells.get('GFLOPs')
            out[config] = dict(
                result=result,
                params=params,
                flops=first_number(flops or ''),
                flops_unit='M' if 'FLOPs (M)' in cells else 'G',
                suite=suite_name)
    return out


def model_entry(folder, path, measured):
    name = osp.splitext(osp.basename(path))[0]
    data_size = name.split('_')[-1]
    data = re.sub(r'-\d+px$', '', data_size)
    entry = dict(
        Name=name,
        Metadata=dict(**{'Training Data': DATA_NAMES.get(data, data)},
                      **{'Training Resolution': data_size.rsplit('-', 1)[-1]}),
        **{'In Collection': COLLECTIONS[folder]['Name']},
        Config=path)
    schedule = re.search(r'_(\d+)xb(\d+)-(\d+[ek]?)_', name + '_')
    if schedule:
        gpus, batch, length = schedule.groups()
        entry['Metadata']['Training Resources'] = (
            f'{gpus} process(es) x {batch} images')
        entry['Metadata']['Schedule'] = length
    found = measured.get(path)
    if found:
        # absolute counts, as in mmpretrain's metafiles
        if found['params'] is not None:
            entry['Metadata']['Parameters'] = round(found['params'] * 1e6)
        if found['flops'] is not None:
            scale = 1e6 if found['flops_unit'] == 'M' else 1e9
            entry['Metadata']['FLOPs'] = round(found['flops'] * scale)
        result = dict(found['result'])
        seeds = result.pop('Seeds')
        entry['Metadata']['Seeds'] = seeds
        entry['Results'] = [result]
        entry['Metadata']['Results Source'] = RESULTS
    # no Weights: nothing is published for download (every result here is
    # trained by the project's own commands; see docs/results.md)
    return entry


def metafile(folder, measured):
    configs = sorted(
        osp.relpath(p, ROOT)
        for p in glob.glob(osp.join(ROOT, 'configs', folder, '*.py')))
    return dict(
        Collections=[COLLECTIONS[folder]],
        Models=[model_entry(folder, p, measured) for p in configs])


def render(obj):
    return yaml.safe_dump(obj, sort_keys=False, width=79, allow_unicode=True)


def expected_files(results_path=None):
    measured = measured_results(results_path or osp.join(ROOT, RESULTS))
    files = {}
    for folder in COLLECTIONS:
        files[f'configs/{folder}/metafile.yml'] = (
            '# Generated by tools/misc/gen_metafiles.py from the configs and '
            f'{RESULTS}: do not edit.\n' + render(metafile(folder, measured)))
    files['model-index.yml'] = (
        '# Generated by tools/misc/gen_metafiles.py: do not edit.\n' + render(
            dict(Import=[f'configs/{f}/metafile.yml' for f in COLLECTIONS])))
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--check',
        action='store_true',
        help='write nothing; exit 1 naming every metafile that differs')
    args = parser.parse_args(argv)
    stale = []
    for rel, text in expected_files().items():
        path = osp.join(ROOT, rel)
        current = open(path).read() if osp.exists(path) else None
        if current == text:
            continue
        if args.check:
            stale.append(rel)
        else:
            tmp = f'{path}.tmp'
            with open(tmp, 'w') as f:
                f.write(text)
            os.replace(tmp, path)
            print(f'wrote {rel}')
    if stale:
        print('stale (run python tools/misc/gen_metafiles.py): ' +
              ', '.join(stale))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
