# Evaluate the CPU-sized EuroSAT hybrid teacher on its own (members carry
# their checkpoints, set them with --cfg-options):
#   python tools/test.py configs/hmkd/ensemble-r18w32-vit-t8_eurosat-64px.py \
#       --cfg-options model.members.0.checkpoint=... \
#       model.members.1.checkpoint=...
_base_ = [
    '../_base_/models/ensemble-r18w32-vit-t8_eurosat.py',
    '../_base_/datasets/eurosat-64px.py',
    '../_base_/default_runtime.py',
]
model = _base_.teacher
# evaluation only: the members are trained by their own configs
train_dataloader = None
val_dataloader = None
val_evaluator = None
test_cfg = dict()
test_dataloader = dict(batch_size=128, num_workers=2)
