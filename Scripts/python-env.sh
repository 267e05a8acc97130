#!/usr/bin/env bash
# The pinned Python environments of the repository, made from Debian's python3 ($PYTHON,
# /usr/bin/python3 in the Makefile) whatever other python is on PATH. Creates one if
# needed, installs the pins when its stamp file says they changed, and prints the path of
# its python.
#
#   Scripts/python-env.sh          .venv/ (or $TESSERA_VENV): onnx and numpy for the ONNX
#                                  conformance run (Scripts/conformance.py), onnxruntime for
#                                  the differential test of `make test`
#                                  (Scripts/onnxruntime_batch.py). `make test` and `make
#                                  conformance` run it.
#   Scripts/python-env.sh --bench  .venv-tflm/ (or $TESSERA_TFLM_VENV): TensorFlow Lite
#                                  Micro's Python package, whose allocation report
#                                  Scripts/tflm_arena.py reads for `make bench`. A separate
#                                  environment, so that the test one stays small.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
case "${1:-}" in
  "")
    VENV="${TESSERA_VENV:-$ROOT/.venv}"
    PIP_PACKAGES=(onnx==1.23.2 numpy==2.4.6 onnxruntime==1.31.1)
    CHECK='import onnx, onnxruntime, numpy'
    ;;
  --bench)
    VENV="${TESSERA_TFLM_VENV:-$ROOT/.venv-tflm}"
    # tflite-micro publishes only dated dev builds; this one has a cp311 manylinux wheel
    # (Debian bookworm's python3 3.11). Its dependencies are pinned too.
    PIP_PACKAGES=(tflite-micro==0.dev20261023182759 numpy==2.4.6 flatbuffers==25.12.19 pyyaml==6.0.4)
    CHECK='from tflite_micro import runtime; runtime.Interpreter'
    ;;
  *)
    echo "usage: $0 [--bench]" >&2
    exit 2
    ;;
esac
STAMP="$VENV/.tessera-pins"

# The stamp names the base interpreter and the pins: a change of either makes the
# environment anew.
WANT="$(command -v "$PYTHON") ${PIP_PACKAGES[*]}"
if [ -d "$VENV" ] && [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "recreating $VENV (base interpreter or pins changed)" >&2
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV with $PYTHON" >&2
  "$PYTHON" -m venv "$VENV" >&2
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "installing ${PIP_PACKAGES[*]} into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}" >&2
  "$VENV/bin/python" -c "$CHECK" >&2
  echo "$WANT" > "$STAMP"
fi
echo "$VENV/bin/python"
