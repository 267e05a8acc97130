#!/usr/bin/env bash
# ONNX backend conformance: run Scripts/conformance.py with the given arguments
# (--tessera PATH, --work DIR, --filter SUBSTRING, --json REPORT.json) in the pinned
# Python environment of Scripts/python-env.sh (.venv/, created if needed).
# Expects tessera to be built already (`make conformance` builds it first).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="$("$ROOT/Scripts/python-env.sh")"

cd "$ROOT"
exec "$PYTHON" "$ROOT/Scripts/conformance.py" "$@"
