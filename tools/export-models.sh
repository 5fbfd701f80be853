#!/usr/bin/env bash
# Creates tools/.venv with the pinned toolchain, then exports models:
#   npm run models            -> benchmark models into .cache/models (needs ../shared)
#   npm run models -- fixtures -> regenerates the committed test fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/.venv/bin/python ]; then
  python3 -m venv tools/.venv
  tools/.venv/bin/pip install -q -r tools/requirements.txt
fi
exec tools/.venv/bin/python tools/export_models.py "${1:-bench}" "${@:2}"
