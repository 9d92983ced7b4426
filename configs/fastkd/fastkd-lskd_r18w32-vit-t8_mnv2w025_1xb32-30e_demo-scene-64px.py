# Fast KD (cached teacher) with HMKD reading (a), logit standardisation,
# at demo size: the HMKD demo config with its
# ensemble teacher replaced by a cache of its outputs on K=4 augmentation
# draws per image. Build the cache once, then train:
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = ['../hmkd/lskd_r18w32-vit-t8_mnv2w025_1xb32-30e_demo-scene-64px.py']

cache_dir = 'work_dirs/teacher_cache/hmkd_r18w32-vit-t8_demo-scene-64px_k4'

model = dict(type='RSKDCachedTeacherDistill', teacher_cache=cache_dir)

train_dataloader = dict(
    # (index, draw) pairs: the served draw is a function of (seed, epoch,
    # index), so --resume and multi-process runs serve the same draws
    sampler=dict(type='RSKDTeacherDrawSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='RSKDTeacherOutputDataset',
        num_draws=4,
        seed=0,
        cache_dir=cache_dir,
        dataset=_base_.train_dataloader.dataset))
