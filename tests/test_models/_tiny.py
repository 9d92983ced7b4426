# Copyright (c) rskd_mm contributors. All rights reserved.
"""Tiny model configs shared by the model tests."""

CNN_NORM = dict(
    type='ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
VIT_NORM = dict(
    type='ClsDataPreprocessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True)


def tiny_cnn(num_classes=4, width=8, norm=CNN_NORM):
    return dict(
        type='ImageClassifier',
        data_preprocessor=dict(norm),
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss')))


def tiny_vit(num_classes=4, norm=VIT_NORM, drop=0.5):
    return dict(
        type='ImageClassifier',
        data_preprocessor=dict(norm),
        backbone=dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=64),
            img_size=32,
            patch_size=8,
            drop_rate=drop,
            drop_path_rate=drop),
        neck=None,
        head=dict(
            type='VisionTransformerClsHead',
            num_classes=num_classes,
            in_channels=32,
            loss=dict(type='CrossEntropyLoss')))
