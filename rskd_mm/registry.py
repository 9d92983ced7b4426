# Copyright (c) rskd_mm contributors. All rights reserved.
"""Every registry rskd_mm registers into, and which component goes where.

rskd_mm has no registries of its own: it is a plugin, and each component is
registered where the OpenMMLab configs that use it look it up. The rule:

* a component that belongs to one task or toolbox goes into that toolbox's
  child registry, so that configs of that scope find it by its bare name:

  - classification models and data sets -> **mmpretrain** ``MODELS``,
    ``DATASETS`` (the ensemble teacher, the data preprocessor that mixes
    cached teacher outputs, the remote-sensing scene sets);
  - segmentation models, transforms and metrics -> **mmseg** ``MODELS``,
    ``TRANSFORMS``, ``METRICS`` (DP-CTNet backbone and head,
    ``RSKDCheckSegLabels``, ``RSKDIoUMetric``);
  - distillation and pruning algorithms, KD losses and recorders ->
    **mmrazor** ``MODELS``, ``TASK_UTILS``;

* a component that every task uses goes into the **mmengine** root
  registry, which every child registry falls back to, so it is found from
  any scope: the runner, hooks, the draw sampler, the teacher-output data
  set wrapper, the image loader that works in classification and
  segmentation pipelines alike, and the per-image prediction dump.

:data:`REGISTRATIONS` lists each registered name with its registry; the
modules register with the registries imported from here, and
``tests/test_registry.py`` checks that the list is complete and builds every
name through its config scope.
"""
# rskd_mm's compatibility layer runs on ``import rskd_mm``, before mmrazor is
# imported here (``import rskd_mm.registry`` imports the package first).
from mmengine.registry import DATA_SAMPLERS as ENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as ENGINE_DATASETS
from mmengine.registry import HOOKS as ENGINE_HOOKS
from mmengine.registry import METRICS as ENGINE_METRICS
from mmengine.registry import RUNNERS as ENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as ENGINE_TRANSFORMS
from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import MODELS as RAZOR_MODELS
from mmrazor.registry import TASK_UTILS as RAZOR_TASK_UTILS
from mmseg.registry import METRICS as SEG_METRICS
from mmseg.registry import MODELS as SEG_MODELS
from mmseg.registry import TRANSFORMS as SEG_TRANSFORMS

# (registry, the scope whose configs use the names) -> registered names
REGISTRATIONS = {
    (ENGINE_RUNNERS, 'mmengine'): ('RSKDRunner', ),
    (ENGINE_HOOKS, 'mmengine'):
    ('RSKDFiniteLossHook', 'RSKDStudentCheckpointHook'),
    (ENGINE_DATA_SAMPLERS, 'mmengine'): ('RSKDTeacherDrawSampler', ),
    (ENGINE_DATASETS, 'mmengine'): ('RSKDTeacherOutputDataset', ),
    (ENGINE_TRANSFORMS, 'mmengine'): ('RSKDLoadImageFromFile', ),
    (ENGINE_METRICS, 'mmengine'): ('RSKDDumpPredictions', ),
    (PRETRAIN_MODELS, 'mmpretrain'):
    ('RSKDEnsembleTeacher', 'RSKDClsDataPreprocessor'),
    (PRETRAIN_DATASETS, 'mmpretrain'):
    ('RSKDSceneDataset', 'UCMerced', 'AID', 'NWPURESISC45', 'EuroSAT'),
    (SEG_MODELS, 'mmseg'): ('DPCTNet', 'DPCTHead'),
    (SEG_TRANSFORMS, 'mmseg'): ('RSKDCheckSegLabels', ),
    (SEG_METRICS, 'mmseg'): ('RSKDIoUMetric', ),
    (RAZOR_MODELS, 'mmrazor'):
    ('RSKDSingleTeacherDistill', 'RSKDCachedTeacherDistill', 'RSKDItePrune',
     'RSKDAngleKD', 'RSKDEnsembleVarianceKD', 'RSKDKLCosineKD',
     'RSKDLogitStandardKD', 'RSKDDualPathChannelMutator', 'RSKDChannelUnit',
     'DynamicPositionEmbedding'),
    (RAZOR_TASK_UTILS, 'mmrazor'): ('RSKDCachedOutputsRecorder', ),
}

__all__ = [
    'ENGINE_DATA_SAMPLERS', 'ENGINE_DATASETS', 'ENGINE_HOOKS',
    'ENGINE_METRICS', 'ENGINE_RUNNERS', 'ENGINE_TRANSFORMS',
    'PRETRAIN_DATASETS', 'PRETRAIN_MODELS', 'RAZOR_MODELS', 'RAZOR_TASK_UTILS',
    'SEG_METRICS', 'SEG_MODELS', 'SEG_TRANSFORMS', 'REGISTRATIONS'
]
