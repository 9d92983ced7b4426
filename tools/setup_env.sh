#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment with the whole
# OpenMMLab stack on a current torch, and install rskd_mm into it in
# editable mode.
#
#   bash tools/setup_env.sh            # used by `make demo` / `make test`
#
# Environment variables:
#   RSKD_VENV       the environment to create        (default: <repo>/.venv)
#   RSKD_CACHE_DIR  where the built mmcv wheel lives (default: ~/.cache/rskd_mm)
#   PYTHON          the interpreter for the venv     (default: python3.11 or python3)
#   MAX_JOBS        parallel compile jobs for mmcv   (default: number of cores)
#
# mmcv 2.1.0 has no Linux wheel on PyPI for current torch, so its compiled ops
# are built once per machine from the source distribution (about 20 minutes on
# 2 cores) and the wheel is cached outside the checkout, keyed by the Python
# and torch versions. A second set-up on the same machine reuses it.
# Two fixes are needed for that build, both applied to a private copy of the
# sdist (nothing installed is edited):
#   * setup.py imports pkg_resources -> setuptools < 70 in the build env;
#   * setup.py hard-codes -std=c++17, torch >= 2.6 headers need C++20.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RSKD_VENV:-$ROOT/.venv}"
CACHE_DIR="${RSKD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rskd_mm}"
MMCV_VERSION="2.1.0"

log() { printf '[setup_env] %s\n' "$*" >&2; }

if [[ -z "${PYTHON:-}" ]]; then
  if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi

# A stamp of everything that decides the environment's content: when it
# matches, the environment is up to date and nothing is done.
stamp_of() {
  cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$ROOT/tools/setup_env.sh" \
    | sha256sum | cut -d' ' -f1
}
STAMP_FILE="$VENV/.rskd_mm_setup_stamp"
WANT_STAMP="$(stamp_of)"
if [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$WANT_STAMP" ]]; then
  log "environment $VENV is up to date"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

log "installing torch"
"${PIP[@]}" -r "$ROOT/requirements/torch.txt"

PY_TAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
TORCH_VER="$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')"
CUDA_TAG="$("$PY" -c 'import torch; print("cu" if torch.cuda.is_available() else "cpu")')"
WHEEL_DIR="$CACHE_DIR/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VER-$PY_TAG-$CUDA_TAG"
mkdir -p "$WHEEL_DIR"

find_wheel() { ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true; }

if [[ -z "$(find_wheel)" ]]; then
  # One build per machine at a time; a second set-up waits for the first.
  exec 9>"$WHEEL_DIR/.lock"
  flock 9
  if [[ -z "$(find_wheel)" ]]; then
    log "building mmcv $MMCV_VERSION with compiled ops for torch $TORCH_VER ($PY_TAG, $CUDA_TAG);"
    log "this happens once per machine and takes about 20 minutes on 2 cores"
    BUILD="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
    trap 'rm -rf "$BUILD"' EXIT
    # A throw-away build environment: torch requires setuptools >= 77, which
    # has no pkg_resources any more, while mmcv's setup.py imports it.
    "$PYTHON" -m venv "$BUILD/venv"
    BPY="$BUILD/venv/bin/python"
    "$BPY" -m pip install --disable-pip-version-check -r "$ROOT/requirements/torch.txt"
    "$BPY" -m pip install --disable-pip-version-check -r "$ROOT/requirements/build.txt"
    "$BPY" - "$BUILD" "$MMCV_VERSION" <<'EOF'
"""Fetch mmcv's sdist through pip's own index configuration."""
import subprocess, sys
build, version = sys.argv[1], sys.argv[2]
# --no-build-isolation: pip must not prepare metadata in an isolated env
# without torch; --no-deps: only the sdist itself.
subprocess.check_call([
    sys.executable, '-m', 'pip', 'download', '--no-deps', '--no-binary', 'mmcv',
    '--no-build-isolation', '-d', build, f'mmcv=={version}'])
EOF
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch >= 2.6 headers use C++20 features.
    sed -i 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    (cd "$SRC" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
       "$BPY" -m pip wheel --no-deps --no-build-isolation -w "$BUILD/dist" . )
    # Move into place atomically: a half-written wheel is never found.
    for w in "$BUILD"/dist/mmcv-*.whl; do
      cp "$w" "$WHEEL_DIR/.$(basename "$w").tmp"
      mv "$WHEEL_DIR/.$(basename "$w").tmp" "$WHEEL_DIR/$(basename "$w")"
    done
    rm -rf "$BUILD"
    trap - EXIT
  fi
  flock -u 9
fi
WHEEL="$(find_wheel)"
log "installing $WHEEL"
"${PIP[@]}" "$WHEEL"

log "installing the OpenMMLab stack, test tools and rskd_mm (editable)"
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/deploy.txt" \
  -r "$ROOT/requirements/tests.txt" \
  -r "$ROOT/requirements/lint.txt"
"${PIP[@]}" --no-build-isolation -e "$ROOT"

echo "$WANT_STAMP" > "$STAMP_FILE"
log "done: $VENV"
