#!/usr/bin/env bash
# The one pinned Python environment of the repository, in .venv/ (or $TESSERA_VENV):
# onnx and numpy for the ONNX conformance run (Scripts/conformance.py), onnxruntime for
# the differential test of `make test` (Scripts/onnxruntime_batch.py). Creates it if
# needed, installs the pins when the stamp file says they changed, and prints the path
# of its python. `make test` and `make conformance` run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TESSERA_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
PIP_PACKAGES=(onnx==1.23.2 numpy==2.4.6 onnxruntime==1.31.1)
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
  "$VENV/bin/python" -c 'import onnx, onnxruntime, numpy' >&2
  echo "$WANT" > "$STAMP"
fi
echo "$VENV/bin/python"
