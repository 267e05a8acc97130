#!/usr/bin/env bash
# ONNX backend conformance: set up the pinned Python environment in
# .venv-conformance/ and run Scripts/conformance.py with the given arguments
# (--tessera PATH, --work DIR, --filter SUBSTRING, --json REPORT.json).
# Expects tessera to be built already (`make conformance` builds it first).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONFORMANCE_VENV:-$ROOT/.venv-conformance}"
PYTHON="${PYTHON:-python3}"
PIP_PACKAGES=(onnx==1.23.2 numpy==2.4.6)

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}"

cd "$ROOT"
exec "$VENV/bin/python" "$ROOT/Scripts/conformance.py" "$@"
