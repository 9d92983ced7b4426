# Copyright (c) rskd_mm contributors. All rights reserved.
"""Inference and deployment APIs: build a model for inference from a config
and a checkpoint (:func:`init_model`), segment or classify whole
georeferenced rasters (:func:`segment_raster`, :func:`classify_raster`)
and export to ONNX (:func:`export_onnx`). The tools under
``tools/inference`` and ``tools/deployment`` are thin command lines over
these functions."""
from .model import (InferenceModel, RasterInputError, class_meta, init_model,
                    model_task)
from .onnx import OnnxParityError, export_onnx, onnx_parity, write_onnx
from .raster import classify_raster, load_predictor, segment_raster

__all__ = [
    'InferenceModel', 'RasterInputError', 'class_meta', 'init_model',
    'model_task', 'segment_raster', 'classify_raster', 'load_predictor',
    'export_onnx', 'onnx_parity', 'write_onnx', 'OnnxParityError'
]
