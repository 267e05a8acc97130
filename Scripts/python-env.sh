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

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV" >&2
  "$PYTHON" -m venv "$VENV" >&2
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "${PIP_PACKAGES[*]}" ]; then
  echo "installing ${PIP_PACKAGES[*]} into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}" >&2
  "$VENV/bin/python" -c 'import onnx, onnxruntime, numpy' >&2
  echo "${PIP_PACKAGES[*]}" > "$STAMP"
fi
echo "$VENV/bin/python"
