# HMKD-Net, reading (d): KD on un-augmented images, EuroSAT at CPU size.
# No augmentation in the KD phase: each image has one teacher output,
# computed once (K=1, tools/cache_teacher_outputs.py), and the student
# trains on the same un-augmented images with plain KD (KL, tau 4) + CE.
#   python tools/cache_teacher_outputs.py THIS_CONFIG
#   python tools/train.py THIS_CONFIG
_base_ = ['./fastkd-mean-kd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

cache_dir = 'work_dirs/teacher_cache/hmkd_r18w32-vit-t8_eurosat-64px_clean'

model = dict(teacher_cache=cache_dir)

train_dataloader = dict(
    dataset=dict(
        cache_dir=cache_dir,
        target='draw',
        num_draws=1,
        dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=64),
            dict(type='PackInputs'),
        ])))
