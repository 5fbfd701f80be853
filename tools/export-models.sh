#!/usr/bin/env bash
# Creates tools/.venv with the pinned toolchain (and updates it when requirements.txt changes),
# then exports models:
#   npm run models             -> benchmark models into .cache/models (needs ../shared)
#   npm run models -- gemm     -> GEMM graphs for the roofline into .cache/models/gemm
#   npm run models -- fixtures -> regenerates the committed test fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/.venv/bin/python ]; then
  python3 -m venv tools/.venv
fi
wanted="$(sha256sum tools/requirements.txt | cut -d' ' -f1)"
if [ "$(cat tools/.venv/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
  tools/.venv/bin/pip install -q -r tools/requirements.txt
  echo "$wanted" > tools/.venv/.requirements.sha256
fi
exec tools/.venv/bin/python tools/export_models.py "${1:-bench}" "${@:2}"
