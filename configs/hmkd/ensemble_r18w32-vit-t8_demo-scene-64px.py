# Evaluate the demo-sized hybrid teacher on its own (members carry their
# checkpoints):
#   python tools/test.py configs/hmkd/ensemble_r18w32-vit-t8_demo-scene-64px.py
_base_ = [
    '../_base_/models/ensemble_r18w32-vit-t8_demo.py',
    '../_base_/datasets/demo_scene-64px.py',
    '../_base_/default_runtime.py',
]
model = _base_.teacher
test_cfg = dict()
