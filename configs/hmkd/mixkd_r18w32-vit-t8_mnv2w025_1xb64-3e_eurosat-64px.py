# HMKD-Net, reading (e): the sparsity of the data set. The student and the
# hybrid teacher see the same batch-mixed images (Mixup, lambda ~ Beta(1, 1),
# applied once by the algorithm's data preprocessor, so both models see the
# same mixture) and the student matches the teacher's output on each mixture
# with plain KD (KL, tau 4): the teacher labels the space between the sparse
# training images ("function matching", Beyer et al., CVPR 2022). The hard
# labels are mixed with the same lambda (soft cross-entropy).
_base_ = ['./kd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py']

model = dict(
    architecture=dict(
        data_preprocessor=dict(
            batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)])),
        head=dict(loss=dict(type='CrossEntropyLoss', use_soft=True))))
