/**
 * Retrieval quality on a BEIR dataset: nDCG@10, MRR@10, Recall@100 of BM25, with query latency
 * percentiles and indexing throughput.
 *
 * npm run eval [-- --dataset DIR] [--split test]
 */
import { createLatencyHistogram, mrrAtK, ndcgAtK, recallAtK } from '@sieve/core';
import { createBm25Retriever, loadBeirDataset } from '@sieve/retrieval';
import { option, saveResult } from './cli.js';
import { describeMachine } from './machine.js';
import { requirePaths, scifactDir } from './paths.js';

const dataset = option('dataset', scifactDir);
const split = option('split', 'test');
if (requirePaths({ dataset: dataset })) {
  const { corpus, queries, qrels } = await loadBeirDataset(dataset, split);
  const bm25 = createBm25Retriever();
  const indexStart = performance.now();
  bm25.add(corpus);
  const indexMs = performance.now() - indexStart;
  const latency = createLatencyHistogram();
  let ndcg = 0;
  let mrr = 0;
  let recall = 0;
  for (const [queryId, query] of queries) {
    const started = performance.now();
    const ranked = (await bm25.doRetrieve({ query, topK: 100 })).map((candidate) => candidate.id);
    latency.record(performance.now() - started);
    const judged = qrels.get(queryId)!;
    ndcg += ndcgAtK(ranked, judged, 10);
    mrr += mrrAtK(ranked, judged, 10);
    recall += recallAtK(ranked, judged, 100);
  }
  const count = queries.size;
  const result = {
    benchmark: 'eval',
    machine: describeMachine(),
    dataset,
    split,
    documents: corpus.length,
    queries: count,
    bm25: {
      k1: 0.9,
      b: 0.4,
      fields: 'contents (title + text)',
      ndcgAt10: ndcg / count,
      mrrAt10: mrr / count,
      recallAt100: recall / count,
    },
    indexing: { milliseconds: indexMs, documentsPerSecond: corpus.length / (indexMs / 1000) },
    queryLatencyMs: latency.summary(),
  };
  console.log(`BM25 on ${dataset} (${split}: ${count} queries, ${corpus.length} documents)`);
  console.log(
    `  nDCG@10 ${result.bm25.ndcgAt10.toFixed(4)}   MRR@10 ${result.bm25.mrrAt10.toFixed(4)}   Recall@100 ${result.bm25.recallAt100.toFixed(4)}`,
  );
  console.log(
    `  indexing ${indexMs.toFixed(0)} ms (${result.indexing.documentsPerSecond.toFixed(0)} docs/s); query latency p50 ${result.queryLatencyMs.p50.toFixed(2)} ms, p95 ${result.queryLatencyMs.p95.toFixed(2)} ms, p99 ${result.queryLatencyMs.p99.toFixed(2)} ms`,
  );
  saveResult('eval', result);
} else {
  process.exitCode = 1;
}
