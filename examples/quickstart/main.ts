/**
 * Quickstart: a whole cascade on a tiny in-memory corpus, with stages written in a few lines each,
 * so it runs anywhere without models. Swap in `createBm25Retriever` and `createCrossEncoder` for
 * real stages; the cascade does not change.
 *
 * Run: npm run start --workspace examples/quickstart   (or: npx tsx examples/quickstart/main.ts)
 */
import { createCascade, formatCascadeStats, formatStageReports, patience } from '@sieve/cascade';
import type { RetrieverV1, ScorerV1, SieveDocument } from '@sieve/core';

const corpus: SieveDocument[] = [
  {
    id: 'cascade',
    text: 'A cascade runs a cheap prefilter over many candidates and an expensive reranker over the few that remain.',
  },
  {
    id: 'pruning',
    text: 'Early stopping prunes candidates that cannot reach the top-k, so the reranker scores fewer pairs.',
  },
  {
    id: 'bm25',
    text: 'BM25 ranks documents by term frequency and inverse document frequency with length normalization.',
  },
  {
    id: 'hnsw',
    text: 'HNSW is a graph index for approximate nearest neighbour search over dense embeddings.',
  },
  {
    id: 'fusion',
    text: 'Reciprocal rank fusion merges the rankings of several retrievers without calibrating their scores.',
  },
  {
    id: 'int8',
    text: 'INT8 quantization makes cross-encoder inference faster on CPU at a small cost in accuracy.',
  },
  {
    id: 'padding',
    text: 'Length bucketing avoids padding waste: pairs of similar length are batched together.',
  },
  {
    id: 'workers',
    text: 'Inference in worker threads keeps the event loop of the host application responsive.',
  },
  {
    id: 'deadline',
    text: 'A latency budget returns the best ranking so far when the deadline passes.',
  },
  {
    id: 'metrics',
    text: 'Every stage is measured: pairs per second, latency percentiles, CPU and memory.',
  },
];
const byId = new Map(corpus.map((document) => [document.id, document]));
const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9-]+/g) ?? [];

/** Retrieval: any document sharing a word with the query, scored by shared words. */
const keywordRetriever: RetrieverV1 = {
  specificationVersion: 'v1',
  stageId: 'keywords',
  async doRetrieve({ query, topK }) {
    const queryWords = new Set(words(query));
    return corpus
      .map((document) => ({
        id: document.id,
        score: words(document.text).filter((word) => queryWords.has(word)).length,
      }))
      .filter((candidate) => candidate.score > 0)
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, topK);
  },
};

/** A cheap "prefilter": the share of query words present in the document. */
const overlapScorer: ScorerV1 = {
  specificationVersion: 'v1',
  stageId: 'prefilter',
  modelId: 'word-overlap',
  async doScore({ query, documents }) {
    const queryWords = words(query);
    return {
      scores: documents.map((document) => {
        const documentWords = new Set(words(document.text));
        return queryWords.filter((word) => documentWords.has(word)).length / queryWords.length;
      }),
    };
  },
};

/** A pricier "reranker": query bigrams found in the document, weighted above single words. */
const bigramScorer: ScorerV1 = {
  specificationVersion: 'v1',
  stageId: 'rerank',
  modelId: 'bigram-overlap',
  async doScore({ query, documents }) {
    const queryWords = words(query);
    const bigrams = queryWords.slice(1).map((word, index) => `${queryWords[index]} ${word}`);
    return {
      scores: documents.map((document) => {
        const text = words(document.text).join(' ');
        const single = queryWords.filter((word) => text.includes(word)).length;
        return single + 3 * bigrams.filter((bigram) => text.includes(bigram)).length;
      }),
    };
  },
};

const cascade = createCascade({
  retrievers: [keywordRetriever],
  getDocuments: async (ids) => ids.map((id) => byId.get(id)),
  stages: [
    { scorer: overlapScorer, topK: 6 },
    { scorer: bigramScorer, topK: 3, batchSize: 2, prune: patience(1) },
  ],
  topK: 3,
});

for (const query of [
  'how does early stopping prune candidates',
  'keep the event loop responsive during inference',
  'fusion of several retrievers',
]) {
  const result = await cascade.search({ query });
  console.log(`\nquery: ${query}`);
  for (const candidate of result.candidates) {
    console.log(
      `  ${candidate.rank + 1}. [${candidate.id}] ${candidate.score.toFixed(2)}  ${candidate.document?.text ?? ''}`,
    );
  }
  console.log(`\n${formatStageReports(result.reports)}`);
}
console.log(`\nacross calls:\n${formatCascadeStats(cascade.stats())}`);
