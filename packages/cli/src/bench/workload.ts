import type { ScorerV1Document } from '@sieve/core';
import { createBm25Retriever, documentContents, loadBeirDataset } from '@sieve/retrieval';

/** One query with the candidates a reranker sees. */
export interface RerankWorkload {
  query: string;
  documents: ScorerV1Document[];
}

/**
 * The first `queryCount` queries of a BEIR split with their BM25 top-`topK` (title + text): the
 * pairs a prefilter or reranker sees in a cascade.
 */
export async function beirWorkload(
  datasetDir: string,
  queryCount: number,
  topK: number,
  split = 'test',
): Promise<RerankWorkload[]> {
  const { corpus, queries } = await loadBeirDataset(datasetDir, split);
  const bm25 = createBm25Retriever();
  bm25.add(corpus);
  const byId = new Map(corpus.map((document) => [document.id, document]));
  const workload: RerankWorkload[] = [];
  for (const query of [...queries.values()].slice(0, queryCount)) {
    const candidates = await bm25.doRetrieve({ query, topK });
    workload.push({
      query,
      documents: candidates.map(({ id }) => ({ id, text: documentContents(byId.get(id)!) })),
    });
  }
  return workload;
}

/** Number of query-document pairs in a workload. */
export function pairCount(workload: readonly RerankWorkload[]): number {
  return workload.reduce((sum, item) => sum + item.documents.length, 0);
}
