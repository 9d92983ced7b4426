# Evaluate the HMKD-Net ensemble teacher on its own, before distilling. The
# members carry their own checkpoints, so no CHECKPOINT argument is needed:
#   python tools/test.py configs/hmkd/ensemble-resnet50-deit-s16_ucm-224px.py
_base_ = [
    '../_base_/models/ensemble-resnet50-deit-s16_ucm.py',
    '../_base_/datasets/ucm-224px.py',
    '../_base_/default_runtime.py',
]
model = _base_.teacher
# evaluation only: the members are trained by their own configs
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
