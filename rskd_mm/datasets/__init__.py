# Copyright (c) rskd_mm contributors. All rights reserved.
from rskd_mm.structures.teacher_cache import (TeacherCache, TeacherCacheError,
                                              draw_seed, seeded_randomness,
                                              teacher_fingerprint)
from .annotation_check import (AnnotationError, check_scene_annotations,
                               read_classes_file)
from .rs_scene import (AID, AID_CLASSES, EUROSAT_CLASSES, NWPU45_CLASSES,
                       NWPURESISC45, RS_SCENE_CLASSES, UCM_CLASSES, EuroSAT,
                       RSKDSceneDataset, UCMerced)
from .samplers import RSKDTeacherDrawSampler, epoch_draw, epoch_view_seed
from .splits import scan_class_folders, stratified_split, write_splits
from .synthetic import (SCENE_CLASSES, SEG_CLASSES, SEG_PALETTE,
                        generate_scene_dataset, generate_segmentation_dataset,
                        render_scene, render_segmentation)
from .teacher_output_dataset import RSKDTeacherOutputDataset
from .transforms import RSKDCheckSegLabels, SegLabelError

__all__ = [
    'SCENE_CLASSES', 'SEG_CLASSES', 'SEG_PALETTE', 'render_scene',
    'render_segmentation', 'generate_scene_dataset',
    'generate_segmentation_dataset', 'UCMerced', 'AID', 'NWPURESISC45',
    'EuroSAT', 'UCM_CLASSES', 'AID_CLASSES', 'NWPU45_CLASSES',
    'EUROSAT_CLASSES', 'RS_SCENE_CLASSES', 'scan_class_folders',
    'stratified_split', 'write_splits', 'TeacherCache', 'TeacherCacheError',
    'draw_seed', 'seeded_randomness', 'teacher_fingerprint',
    'RSKDTeacherOutputDataset', 'RSKDTeacherDrawSampler', 'epoch_draw',
    'epoch_view_seed', 'RSKDCheckSegLabels', 'SegLabelError',
    'RSKDSceneDataset', 'AnnotationError', 'check_scene_annotations',
    'read_classes_file'
]
