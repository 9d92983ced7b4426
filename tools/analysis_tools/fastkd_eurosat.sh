#!/usr/bin/env bash
# Online vs cached HMKD reading (a) (logit standardisation) on EuroSAT with CPU-sized models (same student,
# schedule and seed): trains the two teacher members, distils online, builds
# the teacher cache, distils from it, and tests both students.
#
#   bash tools/analysis_tools/fastkd_eurosat.sh [EUROSAT_ROOT] [WORK_ROOT]
#
# EUROSAT_ROOT defaults to ../shared/data/eurosat_rgb (images/, meta/).
# Finished steps are skipped when their outputs exist, so it can be rerun.
set -euo pipefail
DATA=${1:-../shared/data/eurosat_rgb}
WORK=${2:-work_dirs/fastkd_eurosat}
PYTHON=${PYTHON:-python}
if [[ ! -f "$DATA/meta/train.txt" ]]; then
  echo "EuroSAT not found at $DATA (expected meta/train.txt)" >&2
  exit 2
fi
DATA=$(cd "$DATA" && pwd)
mkdir -p "$WORK"
CNN=configs/baselines/resnet18-w32_1xb64-3e_eurosat-64px.py
VIT=configs/baselines/vit-t-p8_1xb64-3e_eurosat-64px.py
ONLINE=configs/hmkd/lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py
CACHED=configs/fastkd/fastkd-lskd_r18w32-vit-t8_mnv2w025_1xb64-3e_eurosat-64px.py
STUDENT=configs/baselines/mobilenetv2-w025_1xb64-3e_eurosat-64px.py
ROOTS=(val_dataloader.dataset.data_root="$DATA" test_dataloader.dataset.data_root="$DATA")

train() {  # name config extra-options...
  local name=$1 cfg=$2; shift 2
  if [[ -f "$WORK/$name/epoch_3.pth" ]]; then return; fi
  /usr/bin/time -f "$name train: %e s" "$PYTHON" tools/train.py "$cfg" \
    --work-dir "$WORK/$name" --cfg-options "${ROOTS[@]}" "$@" \
    > "$WORK/$name.log" 2>&1 || { tail -30 "$WORK/$name.log"; exit 1; }
  tail -1 "$WORK/$name.log"
}
test_ckpt() {  # name config checkpoint
  "$PYTHON" tools/test.py "$2" "$3" --work-dir "$WORK/$1" \
    --metrics-out "$WORK/$1/test_metrics.json" --cfg-options "${ROOTS[@]}" \
    train_dataloader.dataset.data_root="$DATA" > "$WORK/$1_test.log" 2>&1
  echo "$1: test $(cat "$WORK/$1/test_metrics.json")"
}

TRAIN_ROOT=(train_dataloader.dataset.data_root="$DATA")
MEMBERS=(model.teacher.members.0.checkpoint="$WORK/cnn/epoch_3.pth"
         model.teacher.members.1.checkpoint="$WORK/vit/epoch_3.pth")
CACHE="$WORK/teacher_cache_k4"

train cnn "$CNN" "${TRAIN_ROOT[@]}"
train vit "$VIT" "${TRAIN_ROOT[@]}"
train online "$ONLINE" "${TRAIN_ROOT[@]}" "${MEMBERS[@]}"
if ! "$PYTHON" -c "from rskd_mm.datasets import TeacherCache; TeacherCache('$CACHE')" 2>/dev/null; then
  /usr/bin/time -f "cache build: %e s" "$PYTHON" tools/cache_teacher_outputs.py "$CACHED" \
    --out "$CACHE" --cfg-options train_dataloader.dataset.dataset.data_root="$DATA" \
    "${MEMBERS[@]}" > "$WORK/cache.log" 2>&1 || { tail -30 "$WORK/cache.log"; exit 1; }
  tail -1 "$WORK/cache.log"
fi
train cached "$CACHED" train_dataloader.dataset.dataset.data_root="$DATA" \
  train_dataloader.dataset.cache_dir="$CACHE" model.teacher_cache="$CACHE" "${MEMBERS[@]}"

test_ckpt cnn "$CNN" "$WORK/cnn/epoch_3.pth"
test_ckpt vit "$VIT" "$WORK/vit/epoch_3.pth"
test_ckpt online "$STUDENT" "$WORK/online/student_epoch_3.pth"
test_ckpt cached "$STUDENT" "$WORK/cached/student_epoch_3.pth"
