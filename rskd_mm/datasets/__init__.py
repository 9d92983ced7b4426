# Copyright (c) rskd_mm contributors. All rights reserved.
from .synthetic import (SCENE_CLASSES, SEG_CLASSES, SEG_PALETTE,
                        generate_scene_dataset, generate_segmentation_dataset,
                        render_scene, render_segmentation)

__all__ = [
    'SCENE_CLASSES', 'SEG_CLASSES', 'SEG_PALETTE', 'render_scene',
    'render_segmentation', 'generate_scene_dataset',
    'generate_segmentation_dataset'
]
