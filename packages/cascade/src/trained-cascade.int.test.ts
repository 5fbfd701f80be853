// The trained evaluation reranker through createCascade on SciFact test: at the retrieval depth
// chosen on SciFact TRAIN (50: nDCG@10 0.7738 at 50 vs 0.7723 at 100, 0.7496 at 30, 0.7237 at 20
// over the first 100 train queries; BENCHMARKS.md, "Quality"), reranking beats BM25's own order.
// Needs the converted reranker that .ci/run makes (tools/prepare-trained.sh); skipped without it
// unless SIEVE_REQUIRE_TRAINED=1. The model is for evaluation only (../shared/models/README.md).
import { existsSync } from 'node:fs';
import { ndcgAtK } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore, loadBeirDataset } from '@sieve/retrieval';
import { afterAll, describe, expect, it } from 'vitest';
import { createCascade } from './create-cascade.js';

const root = new URL('../../../', import.meta.url).pathname;
const reranker = `${root}.cache/models/sieve-eval-MiniLM-L6-scifact`;
const dataset = `${root}../shared/datasets/scifact`;
const present = existsSync(`${reranker}/onnx/model_quantized.onnx`) && existsSync(dataset);
const required = process.env.SIEVE_REQUIRE_TRAINED === '1';
if (!present && !required) {
  console.warn('[cascade] skipping the trained-reranker evaluation: run tools/prepare-trained.sh');
}

/** Chosen on SciFact train, never on test. */
const depthChosenOnTrain = 50;

describe.skipIf(!present && !required)('trained reranker on SciFact test (300 queries)', () => {
  let scorer: CrossEncoder | undefined;
  afterAll(() => scorer?.dispose());

  it(`BM25@${depthChosenOnTrain} -> reranker (int8) beats BM25's nDCG@10`, async () => {
    const { corpus, queries, qrels } = await loadBeirDataset(dataset, 'test');
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    scorer = await createCrossEncoder({ model: reranker, dtype: 'int8', stageId: 'rerank' });
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      retrievalTopK: depthChosenOnTrain,
      stages: [{ scorer, topK: 10 }],
      topK: 10,
    });
    let bm25Ndcg = 0;
    let rerankNdcg = 0;
    let count = 0;
    for (const [queryId, query] of queries) {
      const judged = qrels.get(queryId);
      if (!judged || judged.size === 0) continue;
      const result = await cascade.search({ query });
      bm25Ndcg += ndcgAtK(
        (result.retrieval ?? []).map((candidate) => candidate.id),
        judged,
        10,
      );
      rerankNdcg += ndcgAtK(
        result.candidates.map((candidate) => candidate.id),
        judged,
        10,
      );
      count++;
    }
    console.info(
      `[quality] SciFact test, ${count} queries: BM25 nDCG@10 ${(bm25Ndcg / count).toFixed(4)} -> BM25@${depthChosenOnTrain} + reranker int8 ${(rerankNdcg / count).toFixed(4)}`,
    );
    expect(count).toBe(300);
    expect(rerankNdcg / count).toBeGreaterThan(bm25Ndcg / count);
  });
});
