# Copyright (c) rskd_mm contributors. All rights reserved.
"""Benchmark: student alone vs online KD vs cached KD (fast KD).

    python tools/analysis_tools/benchmark_kd.py [--img-size 128]
        [--batch-size 16] [--iters 10] [--warmup 2]
        [--teacher resnet50 vit-b16] [--student resnet18]
        [--dataset-size 18900 --num-draws 4] [--plot kd_benchmark.png]

Each mode runs in its own process on the same synthetic batch and the same
student, with rskd_mm's real algorithms and an SGD step per iteration:

* ``student``: the student's own ``train_step`` (cross-entropy only);
* ``online``: ``RSKDSingleTeacherDistill`` with an ``RSKDEnsembleTeacher``
  of the given members (teacher forward at every step);
* ``cached``: ``RSKDCachedTeacherDistill``, the teacher's logits attached to
  the batch as the cached dataset does (no teacher built or run);
* ``teacher``: the ensemble's forward pass alone, the cost per image of
  building the cache.

It prints seconds per iteration, images per second, peak memory (peak
resident set size of the process on the CPU, peak allocated tensor memory on
CUDA) and the ratio to the student alone, and the one-off cost of building a
cache for ``--dataset-size`` images x ``--num-draws`` draws, projected from
the measured teacher throughput. Data loading is left out: it is the same
for the three modes. Times are medians over ``--iters`` iterations.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

MEMBERS = {
    'resnet50':
    dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=50, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=2048)),
    'resnet101':
    dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=101, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=2048)),
    'resnet152':
    dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=152, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=2048)),
    'resnet18':
    dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=512)),
    'mobilenetv2':
    dict(
        type='ImageClassifier',
        backbone=dict(type='MobileNetV2', widen_factor=1.0),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', in_channels=1280)),
    'vit-s16':
    dict(
        type='ImageClassifier',
        backbone=dict(
            type='VisionTransformer', arch='deit-small', patch_size=16),
        neck=None,
        head=dict(type='VisionTransformerClsHead', in_channels=384)),
    'vit-b16':
    dict(
        type='ImageClassifier',
        backbone=dict(type='VisionTransformer', arch='b', patch_size=16),
        neck=None,
        head=dict(type='VisionTransformerClsHead', in_channels=768)),
}
NORM = dict(
    type='ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--img-size', type=int, default=128)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--num-classes', type=int, default=10)
    parser.add_argument(
        '--teacher',
        nargs='+',
        default=['resnet50', 'vit-b16'],
        choices=sorted(MEMBERS))
    parser.add_argument(
        '--student', default='resnet18', choices=sorted(MEMBERS))
    parser.add_argument(
        '--dataset-size',
        type=int,
        default=18900,
        help='images in the training set (EuroSAT: 18900)')
    parser.add_argument('--num-draws', type=int, default=4)
    parser.add_argument('--plot', default=None, help='write a PNG here')
    parser.add_argument('--json', default=None, help='write results here')
    parser.add_argument('--mode', default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def member(name, args, img_size_key=True):
    cfg = json.loads(json.dumps(MEMBERS[name]))
    cfg['head']['num_classes'] = args.num_classes
    cfg['head']['loss'] = dict(type='CrossEntropyLoss')
    if cfg['backbone']['type'] == 'VisionTransformer':
        cfg['backbone']['img_size'] = args.img_size
    cfg['data_preprocessor'] = dict(NORM)
    return cfg


def distiller(teacher_type='ModuleOutputs'):
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type=teacher_type, source='fusion')),
        distill_losses=dict(
            loss_lskd=dict(type='RSKDLogitStandardKD', tau=2.0)),
        loss_forward_mappings=dict(
            loss_lskd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'))))


def run_mode(args):
    """Measure one mode in this process; print a JSON line."""
    import torch
    from mmengine.optim import OptimWrapper
    from mmengine.registry import init_default_scope
    from mmpretrain.structures import DataSample

    from rskd_mm.datasets import TeacherCache
    # through rskd_mm: its compatibility layer must precede mmrazor
    from rskd_mm.registry import RAZOR_MODELS as MODELS

    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    n, size = args.batch_size, args.img_size
    images = list(torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8))
    labels = [i % args.num_classes for i in range(n)]
    teacher_cfg = dict(
        _scope_='mmpretrain',
        type='RSKDEnsembleTeacher',
        members=[dict(name=t, model=member(t, args)) for t in args.teacher])
    student_cfg = dict(member(args.student, args), _scope_='mmpretrain')

    def batch(with_cache=None):
        samples = [DataSample().set_gt_label(y) for y in labels]
        if with_cache is not None:
            for i, s in enumerate(samples):
                s.set_field(
                    with_cache.read(i, 0), 'teacher_logits', field_type='data')
        return dict(inputs=list(images), data_samples=samples)

    cache = None
    if args.mode == 'student':
        from mmpretrain.registry import MODELS as CLS_MODELS
        model = CLS_MODELS.build(member(args.student, args))
    elif args.mode in ('online', 'teacher'):
        model = MODELS.build(
            dict(
                _scope_='mmrazor',
                type='RSKDSingleTeacherDistill',
                architecture=student_cfg,
                teacher=teacher_cfg,
                distiller=distiller()))
    elif args.mode == 'cached':
        tmp = tempfile.mkdtemp()
        cache = TeacherCache.create(tmp, n, 1, args.num_classes,
                                    dict(teacher=None))
        for i in range(n):
            cache.write(i, 0, torch.randn(args.num_classes))
        cache.mark_complete()
        cache = TeacherCache(tmp)
        model = MODELS.build(
            dict(
                _scope_='mmrazor',
                type='RSKDCachedTeacherDistill',
                architecture=student_cfg,
                teacher=teacher_cfg,
                teacher_cache=tmp,
                verify_teacher=False,
                distiller=distiller()))
    else:
        raise ValueError(args.mode)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = OptimWrapper(torch.optim.SGD(params, lr=1e-3, momentum=0.9))
    cuda = torch.cuda.is_available()
    if cuda:
        model.cuda()
        torch.cuda.reset_peak_memory_stats()

    def step():
        if args.mode == 'teacher':
            with torch.no_grad():
                data = model.data_preprocessor(batch(), False)
                model.teacher(
                    model.teacher_inputs(data['inputs']), mode='tensor')
        else:
            model.train_step(batch(cache), optim)
        if cuda:
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            dict(
                mode=args.mode,
                s_per_iter=statistics.median(times),
                peak_mb=peak,
                device='cuda' if cuda else 'cpu')))


def main(argv=None):
    args = parse_args(argv)
    if args.mode:
        return run_mode(args)
    base = [
        sys.executable,
        os.path.abspath(__file__), '--img-size',
        str(args.img_size), '--batch-size',
        str(args.batch_size), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), '--num-classes',
        str(args.num_classes), '--student', args.student, '--teacher',
        *args.teacher
    ]
    results = {}
    for mode in ('student', 'online', 'cached', 'teacher'):
        print(f'measuring {mode} ...', flush=True)
        out = subprocess.run(
            base + ['--mode', mode], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f'{mode} failed:\n{out.stderr[-3000:]}')
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])

    bs = args.batch_size
    ref = results['student']['s_per_iter']
    teacher = ' + '.join(args.teacher)
    print()
    print(f'KD cost, {args.student} student, {teacher} teacher, '
          f'{args.img_size} px, batch {bs}, '
          f'{results["student"]["device"]}, median of {args.iters} iters')
    header = (f'{"mode":<28}{"s/iter":>9}{"img/s":>9}{"peak MB":>10}'
              f'{"x student":>11}')
    print(header)
    print('-' * len(header))
    labels = dict(
        student='student alone',
        online='online KD (teacher/step)',
        cached='cached KD (fast KD)',
        teacher='teacher forward only')
    for mode in ('student', 'online', 'cached', 'teacher'):
        r = results[mode]
        print(f'{labels[mode]:<28}{r["s_per_iter"]:>9.3f}'
              f'{bs / r["s_per_iter"]:>9.1f}{r["peak_mb"]:>10.0f}'
              f'{r["s_per_iter"] / ref:>11.2f}')
    online, cached = results['online']['s_per_iter'], results['cached'][
        's_per_iter']
    saving = 1 - cached / online
    teacher_rate = bs / results['teacher']['s_per_iter']
    build = args.dataset_size * args.num_draws / teacher_rate
    epoch_online = args.dataset_size / bs * online
    epoch_cached = args.dataset_size / bs * cached
    print('-' * len(header))
    print(f'teacher forward / student step: '
          f'{results["teacher"]["s_per_iter"] / ref:.2f}x')
    print(f'cached KD per iteration: {cached / ref:.2f}x the student alone; '
          f'saves {saving:.1%} of online KD\'s time per epoch')
    print(f'one-off cache build for {args.dataset_size} images x '
          f'{args.num_draws} draws: {build / 60:.1f} min (projected from '
          f'{teacher_rate:.1f} img/s teacher throughput); one epoch: online '
          f'{epoch_online / 60:.1f} min, cached {epoch_cached / 60:.1f} min')
    if epoch_online > epoch_cached:
        print(f'the cache pays for itself after '
              f'{build / (epoch_online - epoch_cached):.1f} epochs')
    else:
        print('cached KD is not faster here: no break-even')
    summary = dict(
        results=results, saving=saving, build_seconds=build, args=vars(args))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(summary, f, indent=2)
    if args.plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        modes = ['student', 'online', 'cached']
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar([labels[m] for m in modes],
               [results[m]['s_per_iter'] for m in modes],
               color=['#888', '#c44', '#4a4'])
        ax.set_ylabel('seconds per iteration')
        ax.set_title(f'{teacher} -> {args.student}, {args.img_size} px, '
                     f'batch {bs}')
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f'plot written to {args.plot}')
    return summary


if __name__ == '__main__':
    main()
