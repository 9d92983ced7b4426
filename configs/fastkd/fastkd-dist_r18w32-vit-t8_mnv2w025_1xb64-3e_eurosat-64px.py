# Fast KD (cached teacher) with DIST's correlation loss (reading (g)):
# the hybrid teacher runs once per image and augmentation draw (K=4); the
# student trains on fresh random views towards the teacher's prediction
# averaged over the image's K cached draws (target='mean'), as the default
# cached HMKD (fastkd-hmkd_*), with this loss in place of KL alone.
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = [
    './fastkd-mean-kd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py',
    '../_base_/models/kd-losses-fusion.py'
]

model = dict(
    distiller=dict(
        distill_losses=_base_.dist_losses,
        loss_forward_mappings=_base_.dist_mappings))
