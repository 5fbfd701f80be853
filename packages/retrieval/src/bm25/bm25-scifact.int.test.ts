import { existsSync } from 'node:fs';
import { ndcgAtK, recallAtK } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { loadBeirDataset } from '../datasets/load-beir-dataset.js';
import { createBm25Retriever } from './bm25-retriever.js';

const scifact = new URL('../../../../../shared/datasets/scifact', import.meta.url).pathname;
const present = existsSync(`${scifact}/corpus.jsonl`);
if (!present) console.warn(`[retrieval] skipping SciFact BM25 evaluation: ${scifact} is absent`);

describe.skipIf(!present)('BM25 on BEIR SciFact (test split)', () => {
  it('reproduces the published nDCG@10 (>= 0.665) and reports Recall@100', async () => {
    const { corpus, queries, qrels } = await loadBeirDataset(scifact, 'test');
    expect(corpus).toHaveLength(5183);
    expect(queries.size).toBe(300);
    const bm25 = createBm25Retriever();
    const started = performance.now();
    bm25.add(corpus);
    const indexMs = performance.now() - started;
    let ndcg = 0;
    let recall = 0;
    for (const [queryId, query] of queries) {
      const ranked = (await bm25.doRetrieve({ query, topK: 100 })).map((candidate) => candidate.id);
      ndcg += ndcgAtK(ranked, qrels.get(queryId)!, 10);
      recall += recallAtK(ranked, qrels.get(queryId)!, 100);
    }
    ndcg /= queries.size;
    recall /= queries.size;
    console.log(
      `[retrieval] SciFact BM25: nDCG@10 ${ndcg.toFixed(4)}, Recall@100 ${recall.toFixed(4)}, indexed ${corpus.length} docs in ${indexMs.toFixed(0)} ms`,
    );
    expect(ndcg).toBeGreaterThanOrEqual(0.665);
    expect(recall).toBeGreaterThan(0.85);
  });
});
