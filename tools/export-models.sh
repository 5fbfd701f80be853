#!/usr/bin/env bash
# Creates tools/.venv with the pinned toolchain (and updates it when requirements.txt changes),
# then exports models:
#   npm run models             -> benchmark models into .cache/models (needs ../shared)
#   npm run models -- gemm     -> GEMM graphs for the roofline into .cache/models/gemm
#   npm run models -- fixtures -> regenerates the committed test fixtures
#   npm run models -- convert SRC DST [--force] [--fusion] [--calibration FILE|DIR | --no-static-int8]
#                              -> a local Hugging Face BERT checkpoint into the ONNX layout Sieve loads
#   npm run models -- parity DIR -> fp32 ONNX vs PyTorch references on SciFact pairs (needs ../shared)
#   npm run models -- distill --teacher SRC --corpus DIR|FILE --out DST [...]
#                              -> a small cross-encoder trained to imitate SRC (a prefilter), converted
set -euo pipefail
typed_from="${INIT_CWD:-$PWD}"
cd "$(dirname "$0")/.."
if [ ! -x tools/.venv/bin/python ]; then
  python3 -m venv tools/.venv
fi
wanted="$(sha256sum tools/requirements.txt | cut -d' ' -f1)"
if [ "$(cat tools/.venv/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
  tools/.venv/bin/pip install -q -r tools/requirements.txt
  echo "$wanted" > tools/.venv/.requirements.sha256
fi
case "${1:-bench}" in
  convert) exec tools/.venv/bin/python tools/convert_model.py --cwd "$typed_from" "${@:2}" ;;
  distill) exec tools/.venv/bin/python tools/distill.py --cwd "$typed_from" "${@:2}" ;;
  parity) exec tools/.venv/bin/python tools/parity_references.py --cwd "$typed_from" "${@:2}" ;;
  *) exec tools/.venv/bin/python tools/export_models.py "${1:-bench}" "${@:2}" ;;
esac
