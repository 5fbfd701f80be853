// 64 concurrent callers on one cascade with real stages (BM25, two fp32 tiny ONNX cross-encoders,
// one in worker threads and one on the calling thread): every call completes with the answer it
// gets alone, and nothing rejects unhandled. Test-only dependencies, as in end-to-end.test.ts.
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cascade, type CascadeResult, createCascade } from './index.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;
const topics = [
  'aspirin heart risk',
  'coffee sleep health',
  'vitamin bone growth',
  'exercise heart health',
  'school children learning',
  'statins blood cholesterol',
];
const corpus = Array.from({ length: 80 }, (_, index) => ({
  id: `doc-${index}`,
  title: topics[index % topics.length]!,
  text: `${topics[index % topics.length]} study ${index} ${'with more results '.repeat(index % 5)}and words about ${topics[(index * 5) % topics.length]}`,
}));
const callers = 64;
// Distinct queries of different lengths, so concurrent calls batch different shapes.
const queries = Array.from(
  { length: callers },
  (_, index) =>
    `${topics[index % topics.length]} ${topics[(index * 7 + 1) % topics.length]!.split(' ')[0]} ${'study '.repeat(index % 4)}${index}`,
);

/** What must match between a call alone and the same call among 63 others. */
const answer = (result: CascadeResult) =>
  result.candidates.map((candidate) => ({
    id: candidate.id,
    stageId: candidate.stageId,
    scores: candidate.scores,
  }));

describe('one cascade, 64 concurrent callers', () => {
  let prefilter: CrossEncoder;
  let reranker: CrossEncoder;
  let cascade: Cascade;
  beforeAll(async () => {
    prefilter = await createCrossEncoder({
      model: fixture,
      dtype: 'fp32',
      stageId: 'prefilter',
      execution: 'same-thread',
    });
    reranker = await createCrossEncoder({
      model: fixture,
      dtype: 'fp32',
      stageId: 'rerank',
      workers: 2,
      maxBatchSize: 8,
    });
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      retrievalTopK: 30,
      stages: [
        { scorer: prefilter, topK: 12 },
        { scorer: reranker, topK: 5, batchSize: 4 },
      ],
      topK: 5,
    });
  });
  afterAll(async () => {
    await Promise.all([prefilter?.dispose(), reranker?.dispose()]);
  });

  it('completes every call with the sequential answer (ids, scores to 1e-6), no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const sequential: CascadeResult[] = [];
      for (const query of queries) sequential.push(await cascade.search({ query }));
      const settled = await Promise.allSettled(queries.map((query) => cascade.search({ query })));
      // Let a stray rejection from a worker or a timer surface before the listener goes.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      expect(settled).toHaveLength(callers);
      settled.forEach((outcome, index) => {
        const concurrent = answer((outcome as PromiseFulfilledResult<CascadeResult>).value);
        const alone = answer(sequential[index]!);
        expect(concurrent.map(({ id, stageId }) => [id, stageId])).toEqual(
          alone.map(({ id, stageId }) => [id, stageId]),
        );
        concurrent.forEach(({ scores }, rank) => {
          const expected = alone[rank]!.scores;
          expect(Object.keys(scores).sort()).toEqual(Object.keys(expected).sort());
          for (const [stage, score] of Object.entries(scores)) {
            expect(Math.abs(score - expected[stage]!)).toBeLessThanOrEqual(1e-6);
          }
        });
      });
      // Every call reached the reranker: the stages really ran concurrently, not one answer reused.
      expect(sequential.every((result) => result.candidates.length === 5)).toBe(true);
      expect(cascade.stats().calls).toBe(2 * callers);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  }, 120_000);
});
