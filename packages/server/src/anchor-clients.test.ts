/**
 * The anchors' own requests, verbatim (docs/serving-wire-notes.md cites them), and Cohere's real
 * TypeScript SDK (`cohere-ai`, pinned) pointed at the server: what their users would send.
 */
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { CohereClient, CohereClientV2, CohereError } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SieveServer } from './create-server.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;

// Cohere's documented rerank example (rerank-post.yaml, rerank-v2-post.yaml).
const cohereQuery = 'What is the capital of the United States?';
const cohereDocuments = [
  'Carson City is the capital city of the American state of Nevada.',
  'The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan.',
  'Capitalization or capitalisation in English grammar is the use of a capital letter at the start of a word. English usage varies from capitalization in other languages.',
  'Washington, D.C. (also known as simply Washington or D.C., and officially as the District of Columbia) is the capital of the United States. It is a federal district.',
  'Capital punishment has existed in the United States since beforethe United States was a country. As of 2017, capital punishment is legal in 30 of the 50 states.',
];

describe('anchor clients against createServer', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;
  let expected: Array<{ index: number; score: number }>;
  const apiKey = 'test-key';

  beforeAll(async () => {
    reranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    server = createServer({ reranker, apiKey, warmUp: false });
    ({ url } = await server.listen({ port: 0 }));
    const { scores } = await reranker.scorePairs({
      pairs: cohereDocuments.map((text) => ({ query: cohereQuery, text })),
    });
    expected = scores
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
  });
  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  it("TEI's quick-tour request, verbatim", async () => {
    const response = await fetch(`${url}/rerank`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: '{"query":"What is Deep Learning?", "texts": ["Deep Learning is not...", "Deep learning is..."], "raw_scores": false}',
    });
    expect(response.status).toBe(200);
    const ranks = (await response.json()) as Array<{ index: number; score: number }>;
    expect(ranks.map((rank) => rank.index).sort()).toEqual([0, 1]);
    // raw_scores: false is TEI's sigmoid.
    for (const rank of ranks) expect(rank.score).toBeGreaterThan(0);
    for (const rank of ranks) expect(rank.score).toBeLessThan(1);
    expect(ranks[0]!.score).toBeGreaterThanOrEqual(ranks[1]!.score);
  });

  it("Cohere's TypeScript SDK, v1 client.rerank with the documented example", async () => {
    const client = new CohereClient({ token: apiKey, environment: url, maxRetries: 0 });
    const response = await client.rerank({
      documents: cohereDocuments.map((text) => ({ text })),
      query: cohereQuery,
      topN: 3,
      model: 'rerank-v3.5',
      returnDocuments: true,
    });
    expect(response.results.map((result) => result.index)).toEqual(
      expected.slice(0, 3).map((rank) => rank.index),
    );
    response.results.forEach((result, position) => {
      expect(result.relevanceScore).toBeCloseTo(expected[position]!.score, 5);
      expect(result.document?.text).toBe(cohereDocuments[result.index]);
    });
    expect(response.meta?.apiVersion?.version).toBe('1');
  });

  it("Cohere's TypeScript SDK, v2 client.rerank", async () => {
    const client = new CohereClientV2({ token: apiKey, environment: url, maxRetries: 0 });
    const response = await client.rerank({
      model: 'rerank-v4.0-pro',
      query: cohereQuery,
      documents: cohereDocuments,
      topN: 3,
    });
    expect(response.results.map((result) => result.index)).toEqual(
      expected.slice(0, 3).map((rank) => rank.index),
    );
    expect(response.meta?.apiVersion?.version).toBe('2');
  });

  it("a wrong key is a 401 the SDK surfaces as a CohereError with Sieve's message", async () => {
    const client = new CohereClientV2({ token: 'wrong', environment: url, maxRetries: 0 });
    const error = await client
      .rerank({ model: 'm', query: cohereQuery, documents: cohereDocuments })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CohereError);
    expect((error as CohereError).statusCode).toBe(401);
    expect(JSON.stringify((error as CohereError).body)).toContain('the API key is wrong');
    // Liveness and metrics stay public, as in TEI.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/info`)).status).toBe(401);
  });
});
