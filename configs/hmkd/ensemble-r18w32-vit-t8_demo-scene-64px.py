# Evaluate the demo-sized hybrid teacher on its own (members carry their
# checkpoints):
#   python tools/test.py configs/hmkd/ensemble-r18w32-vit-t8_demo-scene-64px.py
_base_ = [
    '../_base_/models/ensemble-r18w32-vit-t8_demo-scene.py',
    '../_base_/datasets/demo-scene-64px.py',
    '../_base_/default_runtime.py',
]
model = _base_.teacher
# evaluation only: the members are trained by their own configs
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
