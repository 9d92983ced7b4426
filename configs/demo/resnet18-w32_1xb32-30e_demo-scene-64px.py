# The demo's teacher, trained alone on the synthetic scene set.
_base_ = [
    '../_base_/models/resnet18-w32.py',
    '../_base_/datasets/demo-scene-64px.py',
    '../_base_/schedules/sgd-cosine_30e.py',
    '../_base_/default_runtime.py',
]
