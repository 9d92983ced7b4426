# Copyright (c) rskd_mm contributors. All rights reserved.
"""Nothing runs code from a checkpoint, destroys an input, or trains on a
teacher's shuffled classes: each entry point refuses before any work, in
one line that names the file."""
import importlib.util
import os
import os.path as osp

import pytest
import torch

from .conftest import REPO_ROOT
from .test_bad_inputs import run_fail, run_ok
from .test_compat.test_checkpoint import RunsCode, needs_safe_default
from .test_tools import KD, STUDENT, TEACHER, scene_options


def _tool(path):
    """A tool script imported as a module (its ``main`` not run)."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO_ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(config):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    import rskd_mm  # noqa: F401
    init_default_scope('mmpretrain')
    model_cfg = Config.fromfile(config).model
    model_cfg.pop('init_cfg', None)
    return MODELS.build(model_cfg)


@pytest.fixture(scope='module')
def student_state():
    return _build(STUDENT).state_dict()


@pytest.fixture
def evil(tmp_path, student_state):
    """A checkpoint that fits the demo student and whose pickle would
    create ``marker`` if it were loaded fully."""
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'evil.pth'
    torch.save(
        dict(meta=dict(x=RunsCode(marker)), state_dict=dict(student_state)),
        str(path))
    return str(path), marker


def _refused(out, path):
    last = out.strip().splitlines()[-1]
    assert path in last and '`posix.system`' in last, out[-3000:]
    assert 'refused before loading' in last
    assert 'Traceback' not in out


@needs_safe_default
def test_tools_refuse_code_in_a_checkpoint(evil, tiny_scene_root, tmp_path):
    path, marker = evil
    opts = scene_options(tiny_scene_root)
    # tools/test.py
    _refused(
        run_fail([
            'tools/test.py', STUDENT, path, '--work-dir',
            str(tmp_path / 't'), '--cfg-options', *opts
        ]), path)
    # load_from and --resume of tools/train.py
    _refused(
        run_fail([
            'tools/train.py', STUDENT, '--work-dir',
            str(tmp_path / 'l'), '--cfg-options', *opts, f'load_from={path}'
        ]), path)
    _refused(
        run_fail([
            'tools/train.py', STUDENT, '--work-dir',
            str(tmp_path / 'r'), '--resume', path, '--cfg-options', *opts
        ]), path)
    # a teacher (plain KD) and an ensemble member (HMKD)
    _refused(
        run_fail([
            'tools/train.py', KD, '--work-dir',
            str(tmp_path / 'kd'), '--cfg-options', *opts,
            f'model.teacher_ckpt={path}'
        ]), path)
    assert not marker.exists()
    assert not osp.exists(tmp_path / 'l' / 'epoch_1.pth')


@needs_safe_default
def test_trust_checkpoint_flag_loads_a_trusted_file(student_state,
                                                    tiny_scene_root, tmp_path):
    """A file with a harmless global outside the allow-list: refused by
    default, loaded with --trust-checkpoint."""
    import fractions
    path = str(tmp_path / 'trusted.pth')
    torch.save(
        dict(
            meta=dict(note=fractions.Fraction(1, 3)),
            state_dict=dict(student_state)), path)
    args = [
        'tools/test.py', STUDENT, path, '--work-dir',
        str(tmp_path / 't'), '--cfg-options', *scene_options(tiny_scene_root)
    ]
    out = run_fail(args)
    assert '`fractions.Fraction`' in out.strip().splitlines()[-1]
    out = run_ok(args + ['--trust-checkpoint'])
    assert 'accuracy/top1' in out


@needs_safe_default
def test_apis_and_converters_refuse_code_in_a_checkpoint(evil, tmp_path):
    from rskd_mm.apis import classify_raster, export_onnx, init_model
    from rskd_mm.compat.checkpoint import UnsafeCheckpointError
    from rskd_mm.models.classifiers.ensemble_teacher import RSKDEnsembleTeacher
    from rskd_mm.models.utils import load_checkpoint_strict
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        init_model(STUDENT, path)
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        classify_raster(STUDENT, path, str(tmp_path / 'in.tif'),
                        str(tmp_path / 'out.tif'))
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        export_onnx(STUDENT, path, str(tmp_path / 'm.onnx'))
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        load_checkpoint_strict(_build(STUDENT), path, what='member')
    from mmengine.config import Config
    member = Config.fromfile(STUDENT).model.to_dict()
    member.pop('init_cfg', None)
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        RSKDEnsembleTeacher(members=[dict(model=member, checkpoint=path)])
    convert = _tool('tools/model_converters/distill_to_student.py').convert
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        convert(path, str(tmp_path / 'student.pth'))
    export = _tool('tools/pruning/export_pruned.py').export
    prune = osp.join(REPO_ROOT, 'configs', 'dpctnet',
                     'prune-l1_dpctnet-t_1xb4-200_demo-seg-128px.py')
    with pytest.raises(UnsafeCheckpointError, match='posix.system'):
        export(prune, path, out_dir=str(tmp_path / 'pruned'))
    assert not marker.exists()
    for name in ('student.pth', 'm.onnx', 'out.tif', 'pruned'):
        assert not osp.exists(tmp_path / name)


def test_student_export_as_safetensors_is_read_everywhere(
        trained_teacher, tiny_scene_root, tmp_path):
    """distill_to_student writes .safetensors; tools/test.py, load_from, a
    teacher and init_model read it with the same strict checks."""
    from rskd_mm.apis import init_model
    from rskd_mm.models.utils import CheckpointMismatchError
    convert = _tool('tools/model_converters/distill_to_student.py').convert
    safe = str(tmp_path / 'teacher.safetensors')
    # a plain model checkpoint: the student is the whole state dict
    convert(trained_teacher, safe, prefix='')
    with open(safe, 'rb') as f:
        assert f.read(2) != b'PK'  # not a pickle zip
    opts = scene_options(tiny_scene_root)
    metrics = tmp_path / 'm.json'
    run_ok([
        'tools/test.py', TEACHER, safe, '--work-dir',
        str(tmp_path / 't'), '--metrics-out',
        str(metrics), '--cfg-options', *opts
    ])
    ref = tmp_path / 'ref.json'
    run_ok([
        'tools/test.py', TEACHER, trained_teacher, '--work-dir',
        str(tmp_path / 't2'), '--metrics-out',
        str(ref), '--cfg-options', *opts
    ])
    assert metrics.read_text() == ref.read_text()  # the same weights
    run_ok([
        'tools/train.py', KD, '--work-dir',
        str(tmp_path / 'kd'), '--cfg-options', *opts,
        f'model.teacher_ckpt={safe}', 'train_cfg.max_epochs=1'
    ])
    wrapper, _, info = init_model(TEACHER, safe)
    assert info['classes'][0] == 'water'
    # strict: a .safetensors of another model is refused with the keys
    out = run_fail([
        'tools/test.py', STUDENT, safe, '--work-dir',
        str(tmp_path / 's'), '--cfg-options', *opts
    ])
    assert f'checkpoint {safe} does not fit the model' in out
    with pytest.raises(CheckpointMismatchError):
        init_model(STUDENT, safe)


def test_checkpoints_the_project_writes_load_weights_only(
        trained_teacher, tmp_path):
    """Training checkpoints (also what --resume reads) and student exports
    need nothing outside the allow-list."""
    from rskd_mm.compat.checkpoint import allowed_globals
    convert = _tool('tools/model_converters/distill_to_student.py').convert
    student = str(tmp_path / 'student.pth')
    convert(trained_teacher, student, prefix='')
    for path in (trained_teacher, student):
        needed = set(
            torch.serialization.get_unsafe_globals_in_checkpoint(path))
        assert needed <= set(allowed_globals()), (path, needed)


# ---------------------------------------------------------------------------
# No tool writes over one of its inputs
# ---------------------------------------------------------------------------
def test_check_outputs_catches_links(tmp_path):
    from rskd_mm.utils.paths import OverwriteInputError, check_outputs
    src = tmp_path / 'scene.tif'
    src.write_bytes(b'pixels')
    sym = tmp_path / 'sym.tif'
    sym.symlink_to(src)
    hard = tmp_path / 'hard.tif'
    os.link(src, hard)
    for out in (src, sym, hard, tmp_path / '.' / 'scene.tif'):
        with pytest.raises(OverwriteInputError, match='nothing was written'):
            check_outputs(dict(input=str(src)), dict(output=str(out)))
    check_outputs(dict(input=str(src)), dict(output=str(tmp_path / 'map')))
    with pytest.raises(OverwriteInputError, match='same file'):
        check_outputs({}, dict(output=str(src), probs=str(hard)))
    assert src.read_bytes() == b'pixels'


def test_tools_refuse_to_write_over_an_input(trained_teacher, tmp_path):
    ckpt_bytes = open(trained_teacher, 'rb').read()
    link = tmp_path / 'link.pth'
    link.symlink_to(trained_teacher)
    scene = tmp_path / 'scene.tif'
    scene.write_bytes(b'not read: refused first')
    cases = [
        [
            'tools/deployment/pytorch2onnx.py', TEACHER, trained_teacher,
            trained_teacher
        ],
        [
            'tools/deployment/pytorch2onnx.py', TEACHER, trained_teacher,
            str(link)
        ],
        [
            'tools/model_converters/distill_to_student.py', trained_teacher,
            str(link)
        ],
        [
            'tools/inference/classify_raster.py', TEACHER, trained_teacher,
            str(scene),
            str(scene)
        ],
        [
            'tools/inference/segment_raster.py', TEACHER, trained_teacher,
            str(scene),
            str(tmp_path / 'map.tif'), '--probs',
            str(scene)
        ],
        [
            'tools/inference/segment_raster.py', TEACHER, trained_teacher,
            str(scene),
            str(tmp_path / 'map.tif'), '--preview',
            str(scene)
        ],
        [
            'tools/test.py', TEACHER, trained_teacher, '--metrics-out',
            trained_teacher
        ],
    ]
    for args in cases:
        out = run_fail(args)
        last = out.strip().splitlines()[-1]
        assert 'nothing was written' in last and 'would destroy' in last, out
    assert open(trained_teacher, 'rb').read() == ckpt_bytes
    assert scene.read_bytes() == b'not read: refused first'
    assert not osp.exists(tmp_path / 'map.tif')


def test_dataset_converters_refuse_to_write_over_their_input(
        tiny_scene_root, tmp_path):
    meta = osp.join(tiny_scene_root, 'meta')
    before = {n: open(osp.join(meta, n)).read() for n in os.listdir(meta)}
    out = run_fail([
        'tools/dataset_converters/scene_subset.py', tiny_scene_root,
        tiny_scene_root, '--per-class', '1', '1', '1'
    ])
    assert 'would destroy the source' in out and 'Traceback' not in out
    after = {n: open(osp.join(meta, n)).read() for n in os.listdir(meta)}
    assert after == before


def test_more_tools_refuse_to_write_over_an_input(tmp_path):
    """The pruned-subnet export into the folder of a previous export's
    pruned.pth, a segmentation set cut into itself, a mosaic onto one of its
    tiles: each refused before any work, the input unchanged."""
    from rskd_mm.utils.paths import OverwriteInputError
    previous = tmp_path / 'pruned.pth'
    previous.write_bytes(b'an earlier export')
    export = _tool('tools/pruning/export_pruned.py').export
    prune = osp.join(REPO_ROOT, 'configs', 'dpctnet',
                     'prune-l1_dpctnet-t_1xb4-200_demo-seg-128px.py')
    with pytest.raises(
            OverwriteInputError, match='the weights .* is the '
            'checkpoint'):
        export(prune, str(previous))  # --out-dir: the checkpoint's folder
    assert previous.read_bytes() == b'an earlier export'

    src = tmp_path / 'seg'
    meta = src / 'meta'
    meta.mkdir(parents=True)
    (meta / 'train.txt').write_text('tile1_a\ntile2_a\n')
    (meta / 'val.txt').write_text('tile3_a\n')
    before = {n: open(osp.join(meta, n)).read() for n in os.listdir(meta)}
    out = run_fail([
        'tools/dataset_converters/seg_to_scene.py',
        str(src),
        str(src), '--class-names', 'a', 'b', '--val-prefix', 'tile2',
        '--per-class', '1', '1', '1'
    ])
    assert 'would destroy the source' in out and 'Traceback' not in out
    assert {n: open(osp.join(meta, n)).read()
            for n in os.listdir(meta)} == before

    tile = tmp_path / 'tile.png'
    tile.write_bytes(b'a tile')
    out = run_fail([
        'tools/dataset_converters/tiles_to_geotiff.py', '--images',
        str(tile), '--out',
        str(tile)
    ])
    assert 'would destroy the image' in out
    assert tile.read_bytes() == b'a tile'


# ---------------------------------------------------------------------------
# A teacher (or a checkpoint) trained with another class order
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def shuffled_teacher(trained_teacher, tiny_scene_root, tmp_path_factory):
    """The trained teacher's checkpoint recording its classes with the
    first two swapped."""
    from rskd_mm.compat.checkpoint import load_file
    ckpt = load_file(trained_teacher, 'cpu')
    classes = list(ckpt['meta']['dataset_meta']['classes'])
    classes[0], classes[1] = classes[1], classes[0]
    ckpt['meta']['dataset_meta']['classes'] = tuple(classes)
    path = str(tmp_path_factory.mktemp('shuffled') / 'shuffled.pth')
    torch.save(ckpt, path)
    return path, classes


def test_a_teacher_with_shuffled_classes_is_refused(shuffled_teacher,
                                                    tiny_scene_root, tmp_path):
    path, classes = shuffled_teacher
    opts = scene_options(tiny_scene_root)
    for args in ([
            'tools/train.py', KD, '--work-dir',
            str(tmp_path / 'kd'), '--cfg-options', *opts,
            f'model.teacher_ckpt={path}'
    ], [
            'tools/test.py', TEACHER, path, '--work-dir',
            str(tmp_path / 't'), '--cfg-options', *opts
    ], [
            'tools/train.py', TEACHER, '--work-dir',
            str(tmp_path / 'l'), '--cfg-options', *opts, f'load_from={path}'
    ]):
        out = run_fail(args)
        last = out.strip().splitlines()[-1]
        assert path in last and 'the same names in another order' in last
        assert f'class 0 is {classes[0]!r} in the checkpoint but ' \
               f'{classes[1]!r}' in last, last
        assert 'Epoch(train)' not in out and 'accuracy/top1' not in out


def test_check_classes_passes_a_checkpoint_without_classes():
    from rskd_mm.models.utils import ClassMismatchError, check_classes
    check_classes(None, ['a', 'b'], 'x.pth', '', 'the data')
    check_classes(['a', 'b'], ['a', 'b'], 'x.pth', '', 'the data')
    with pytest.raises(ClassMismatchError, match='records 2 classes'):
        check_classes(['a', 'b'], ['a', 'b', 'c'], 'x.pth', '', 'the data')


# ---------------------------------------------------------------------------
# A failed --resume keeps the config copy of the run
# ---------------------------------------------------------------------------
def test_failed_resume_keeps_the_config_copy(trained_teacher, tiny_scene_root,
                                             tmp_path):
    import shutil
    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(trained_teacher, work / 'epoch_1.pth')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    copy = work / osp.basename(TEACHER)
    copy.write_text('# the config of the first run\n')
    # a resume with another class count fails (the checkpoint does not fit)
    run_fail([
        'tools/train.py', TEACHER, '--work-dir',
        str(work), '--resume', '--cfg-options',
        *scene_options(tiny_scene_root, epochs=2), 'model.head.num_classes=3'
    ])
    assert copy.read_text() == '# the config of the first run\n'


# ---------------------------------------------------------------------------
# A teacher cache matches its images
# ---------------------------------------------------------------------------
def test_cache_refuses_other_pixels_under_the_same_names(
        tiny_scene_root, tmp_path):
    import shutil

    from PIL import Image

    from rskd_mm.datasets import TeacherCache, TeacherCacheError
    from .test_datasets.test_teacher_cache import draw_dataset
    root = str(tmp_path / 'data')
    shutil.copytree(tiny_scene_root, root)
    plain = draw_dataset(root)
    n, cache_dir = len(plain), str(tmp_path / 'cache')
    cache = TeacherCache.create(
        cache_dir,
        n,
        3,
        4,
        dict(plain.fingerprints(), teacher='t' * 64),
        image_hashes=plain.image_hashes())
    for i in range(n):
        for k in range(3):
            cache.write(i, k, torch.zeros(4))
    cache.mark_complete()
    draw_dataset(root, cache_dir=cache_dir)  # the same images: accepted

    # other pixels, same name, same label, same size
    victim = plain.get_data_info(3)['img_path']
    img = Image.open(victim)
    img.transpose(Image.FLIP_LEFT_RIGHT).save(victim)
    with pytest.raises(TeacherCacheError) as err:
        draw_dataset(root, cache_dir=cache_dir)
    msg = str(err.value)
    assert 'content fingerprint differs' in msg
    assert f'first differing image: {osp.relpath(victim, root)}' in msg
    assert 'delete the folder' in msg and cache_dir in msg
    assert 'data fingerprint' not in msg  # names and labels are unchanged


def test_content_hash_cost_is_small(tiny_scene_root):
    """The hashes read each file once (no decoding): one per sample."""
    from .test_datasets.test_teacher_cache import draw_dataset
    ds = draw_dataset(tiny_scene_root)
    hashes = ds.image_hashes()
    assert len(hashes) == len(ds)
    assert len({h for _, h in hashes}) == len(ds)  # distinct images
    assert ds.image_hashes() is hashes  # computed once


# ---------------------------------------------------------------------------
# Regenerating never erases published results silently
# ---------------------------------------------------------------------------
def test_regenerate_refuses_to_erase_published_rows(tmp_path, repo_root):
    import shutil
    results = tmp_path / 'results.md'
    shutil.copy(osp.join(repo_root, 'docs', 'results.md'), results)
    figures = tmp_path / 'figures'
    shutil.copytree(osp.join(repo_root, 'docs', 'figures'), figures)
    before = results.read_text()
    args = [
        'tools/analysis_tools/run_benchmarks.py', '--suite', 'eurosat',
        '--tables-only', '--regenerate', '--work-root',
        str(tmp_path / 'empty'), '--results',
        str(results), '--figures',
        str(figures)
    ]
    out = run_fail(args)
    assert 'would turn published rows' in out and 'Nothing was written' in out
    assert 'eurosat: ' in out and 'Plain KD' in out
    assert '--discard-published' in out
    assert results.read_text() == before
    out = run_ok(args + ['--discard-published'])
    assert '| Plain KD (KL, tau 4), ensemble teacher | student | not run |' \
        in results.read_text()


# ---------------------------------------------------------------------------
# Splits that share an image; converted images
# ---------------------------------------------------------------------------
def test_an_image_in_train_and_test_is_a_leak(tiny_scene_root, tmp_path):
    import shutil

    from rskd_mm.datasets import write_splits
    from rskd_mm.datasets.annotation_check import AnnotationError
    with pytest.raises(AnnotationError, match='both the train and the test'):
        write_splits(
            dict(train=['a/1.png 0', 'a/2.png 0'], test=['a/2.png 0']),
            str(tmp_path / 'splits'))
    assert not osp.exists(tmp_path / 'splits')
    # val may be the test split (some protocols), but not train
    write_splits(
        dict(train=['a/1.png 0'], val=['a/2.png 0'], test=['a/2.png 0']),
        str(tmp_path / 'ok'))

    root = str(tmp_path / 'data')
    shutil.copytree(tiny_scene_root, root)
    train = open(osp.join(root, 'meta', 'train.txt')).read().splitlines()
    with open(osp.join(root, 'meta', 'test.txt'), 'a') as f:
        f.write(train[0] + '\n')
    out = run_fail([
        'tools/test.py', STUDENT, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', *scene_options(root)
    ])
    last = out.strip().splitlines()[-1]
    assert 'both the train and the test split' in last
    assert train[0].split()[0] in last and 'Traceback' not in out


def test_grayscale_and_rgba_images_are_counted(tmp_path):
    import numpy as np
    from mmengine.logging import MMLogger
    from PIL import Image

    from rskd_mm.datasets.transforms import loading
    loading.CONVERTED_IMAGES.clear()
    paths = []
    for i, mode in enumerate(['L', 'RGBA', 'L', 'RGB']):
        path = str(tmp_path / f'{i}.png')
        channels = {'L': 1, 'RGBA': 4, 'RGB': 3}[mode]
        data = np.full((8, 8, channels), 100, np.uint8).squeeze()
        Image.fromarray(data, mode=mode).save(path)
        paths.append(path)
    load = loading.RSKDLoadImageFromFile()
    logger = MMLogger.get_current_instance()
    records = []
    handler = __import__('logging').Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        for path in paths:
            assert load(dict(img_path=path))['img'].shape == (8, 8, 3)
    finally:
        logger.removeHandler(handler)
    assert loading.CONVERTED_IMAGES == {'L': 2, 'RGBA': 1}
    text = '\n'.join(r.getMessage() for r in records)
    assert 'grayscale, copied into 3 channels' in text
    assert 'RGBA, alpha dropped' in text and '2 L, 1 RGBA' in text
