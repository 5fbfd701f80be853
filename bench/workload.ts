import type { ScorerV1Document } from '@sieve/core';
import { createBm25Retriever, documentContents, loadBeirDataset } from '@sieve/retrieval';
import { scifactDir } from './paths.js';

/** One query with the candidates a prefilter would see. */
export interface RerankWorkload {
  query: string;
  documents: ScorerV1Document[];
}

/** The first `queryCount` SciFact test queries with their BM25 top-`topK` (title + text). */
export async function scifactWorkload(queryCount: number, topK: number): Promise<RerankWorkload[]> {
  const { corpus, queries } = await loadBeirDataset(scifactDir, 'test');
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
