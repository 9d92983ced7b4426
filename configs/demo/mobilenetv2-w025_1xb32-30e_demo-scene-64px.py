# The demo's student trained alone (the "no KD" baseline).
_base_ = [
    '../_base_/models/mobilenetv2-w025.py',
    '../_base_/datasets/demo-scene-64px.py',
    '../_base_/schedules/sgd-cosine_30e.py',
    '../_base_/default_runtime.py',
]
