# Fast KD (cached teacher) with HMKD reading (a), logit standardisation,
# for HMKD-Net on UC Merced: the ResNet-50 + ViT-S/16
# ensemble runs once over the training set for K=10 augmentation draws per
# image; the ResNet-18 student then trains at about the cost of training it
# alone. Build the cache once (multi-GPU: see docs/distributed.md), then train:
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = ['../hmkd/lskd_resnet50-deit-s16_resnet18_1xb64-100e_ucm-224px.py']

cache_dir = 'work_dirs/teacher_cache/hmkd_resnet50-deit-s16_ucm-224px_k10'

model = dict(type='RSKDCachedTeacherDistill', teacher_cache=cache_dir)

train_dataloader = dict(
    # (index, draw) pairs: the served draw is a function of (seed, epoch,
    # index), so --resume and multi-process runs serve the same draws
    sampler=dict(type='RSKDTeacherDrawSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='RSKDTeacherOutputDataset',
        num_draws=10,
        seed=0,
        cache_dir=cache_dir,
        dataset=_base_.train_dataloader.dataset))
