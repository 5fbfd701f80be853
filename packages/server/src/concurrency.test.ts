// 64 concurrent requests on one server (POST /search through a cascade, POST /rerank through the
// cross-request batcher): every request is answered 200 with what the same request gets alone.
import { createCascade } from '@sieve/cascade';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SieveServer } from './create-server.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;
const topics = [
  'aspirin stroke risk',
  'statins blood cholesterol',
  'coffee sleep health',
  'vitamin bone growth',
  'exercise heart health',
];
const corpus = Array.from({ length: 60 }, (_, index) => ({
  id: `doc-${index}`,
  title: topics[index % topics.length]!,
  text: `${topics[index % topics.length]} study ${index} ${'more findings '.repeat(index % 6)}about ${topics[(index * 3) % topics.length]}`,
}));
const callers = 64;
const queries = Array.from(
  { length: callers },
  (_, index) =>
    `${topics[index % topics.length]} ${'trial '.repeat(index % 3)}${topics[(index + 2) % topics.length]!.split(' ')[1]} ${index}`,
);
// Each /rerank body its own texts (2 to 9 of them), so batched calls mix requests and lengths.
const rerankBodies = queries.map((query, index) => ({
  query,
  texts: corpus.slice(index % 50, (index % 50) + 2 + (index % 8)).map((document) => document.text),
}));

interface SearchAnswer {
  results: Array<{ id: string; score: number; stageId: string; scores: Record<string, number> }>;
}
type RerankAnswer = Array<{ index: number; score: number }>;

/** POSTs JSON; the status and the parsed body. */
async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Sends every body sequentially, then all at once; both lists of answers, in body order, once
 * every concurrent request has settled without a rejection.
 */
async function sequentialAndConcurrent(url: string, bodies: readonly unknown[]) {
  const sequential: Array<{ status: number; body: unknown }> = [];
  for (const body of bodies) sequential.push(await post(url, body));
  const settled = await Promise.allSettled(bodies.map((body) => post(url, body)));
  expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
  const concurrent = settled.map(
    (outcome) => (outcome as PromiseFulfilledResult<{ status: number; body: unknown }>).value,
  );
  return { sequential, concurrent };
}

const close = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6);
};

describe('one server, 64 concurrent requests', () => {
  let prefilter: CrossEncoder;
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', listener);
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
    });
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      retrievalTopK: 20,
      stages: [
        { scorer: prefilter, topK: 8 },
        { scorer: reranker, topK: 4 },
      ],
      topK: 4,
    });
    server = createServer({ reranker, cascade });
    ({ url } = await server.listen({ port: 0 }));
    await server.ready();
  });

  afterAll(async () => {
    await server?.close();
    await Promise.all([prefilter?.dispose(), reranker?.dispose()]);
    process.off('unhandledRejection', listener);
  });

  it('POST /search: every request 200 with the sequential ranking (ids, scores to 1e-6)', async () => {
    const { sequential, concurrent: answers } = await sequentialAndConcurrent(
      `${url}/search`,
      queries.map((query) => ({ query })),
    );
    answers.forEach(({ status, body }, index) => {
      expect(status).toBe(200);
      expect(sequential[index]!.status).toBe(200);
      const concurrent = (body as SearchAnswer).results;
      const alone = (sequential[index]!.body as SearchAnswer).results;
      expect(alone).toHaveLength(4);
      expect(concurrent.map((result) => result.id)).toEqual(alone.map((result) => result.id));
      concurrent.forEach((result, rank) => {
        close(result.score, alone[rank]!.score);
        for (const [stage, score] of Object.entries(alone[rank]!.scores)) {
          close(result.scores[stage]!, score);
        }
      });
    });
    expect(unhandled).toEqual([]);
  }, 120_000);

  it('POST /rerank: every request 200 with the sequential scores, pairs batched across requests', async () => {
    const { sequential, concurrent: answers } = await sequentialAndConcurrent(
      `${url}/rerank`,
      rerankBodies,
    );
    answers.forEach(({ status, body }, index) => {
      expect(status).toBe(200);
      const concurrent = body as RerankAnswer;
      const alone = sequential[index]!.body as RerankAnswer;
      expect(concurrent).toHaveLength(rerankBodies[index]!.texts.length);
      const byIndex = new Map(alone.map((rank) => [rank.index, rank.score]));
      for (const rank of concurrent) close(rank.score, byIndex.get(rank.index)!);
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(unhandled).toEqual([]);
  }, 120_000);
});
