import { createCascade } from '@sieve/cascade';
import { InvalidConfigError, type ScorerV1 } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SieveServer } from './create-server.js';
import type { ServedReranker } from './server-settings.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;

const corpus = [
  { id: 'd1', title: 'Aspirin', text: 'Aspirin lowers the risk of stroke in adults.' },
  { id: 'd2', title: 'Statins', text: 'Statins reduce cholesterol in the blood.' },
  { id: 'd3', title: 'Paris', text: 'The Eiffel tower stands in Paris.' },
  { id: 'd4', title: 'Stroke', text: 'A stroke happens when blood flow to the brain stops.' },
];
const texts = corpus.map((document) => document.text);
const query = 'does aspirin prevent stroke';

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Sends a request and reads the JSON (or text) answer. */
async function call(
  url: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<Answer> {
  const init: RequestInit = {
    method:
      options.method ?? (options.body !== undefined || options.raw !== undefined ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...options.headers },
  };
  if (options.raw !== undefined) init.body = options.raw;
  else if (options.body !== undefined) init.body = JSON.stringify(options.body);
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}

describe('createServer over a real cross-encoder', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;
  let local: number[];

  beforeAll(async () => {
    reranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    const store = createMemoryDocumentStore(corpus);
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: store,
      stages: [{ scorer: reranker, topK: 3 }],
      topK: 3,
    });
    server = createServer({ reranker, cascade, maxClientBatchSize: 8 });
    ({ url } = await server.listen({ port: 0 }));
    await server.ready();
    ({ scores: local } = (await reranker.scorePairs({
      pairs: texts.map((text) => ({ query, text })),
    })) as { scores: number[] });
  });

  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  const ranking = () =>
    local.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score);

  it('POST /rerank answers in TEI shape: ranked best first, raw logits equal to the library', async () => {
    const { status, body } = await call(url, '/rerank', { body: { query, texts } });
    expect(status).toBe(200);
    const ranks = body as Array<{ index: number; score: number; text?: string }>;
    expect(ranks.map((rank) => rank.index)).toEqual(ranking().map((rank) => rank.index));
    for (const rank of ranks) {
      expect(rank.score).toBeCloseTo(local[rank.index]!, 5);
      expect(rank).not.toHaveProperty('text');
    }
  });

  it('POST /rerank: return_text, raw_scores: false (sigmoid) and TEI truncation fields', async () => {
    const { status, body } = await call(url, '/rerank', {
      body: {
        query,
        texts,
        return_text: true,
        raw_scores: false,
        truncate: true,
        truncation_direction: 'Right',
      },
    });
    expect(status).toBe(200);
    for (const rank of body as Array<{ index: number; score: number; text: string }>) {
      expect(rank.text).toBe(texts[rank.index]);
      expect(rank.score).toBeCloseTo(1 / (1 + Math.exp(-local[rank.index]!)), 5);
    }
  });

  it('POST /v1/rerank answers in Cohere v1 shape with top_n and return_documents', async () => {
    const documents = [texts[0], { text: texts[1] }, texts[2], texts[3]];
    const { status, body } = await call(url, '/v1/rerank', {
      body: { model: 'rerank-english-v3.0', query, documents, top_n: 2, return_documents: true },
    });
    expect(status).toBe(200);
    const answer = body as {
      id: string;
      results: Array<{ index: number; relevance_score: number; document: { text: string } }>;
      meta: { api_version: { version: string }; billed_units: { search_units: number } };
    };
    expect(answer.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.meta.api_version.version).toBe('1');
    expect(answer.meta.billed_units.search_units).toBe(1);
    expect(answer.results).toHaveLength(2);
    expect(answer.results.map((result) => result.index)).toEqual(
      ranking()
        .slice(0, 2)
        .map((rank) => rank.index),
    );
    for (const result of answer.results) {
      expect(result.relevance_score).toBeCloseTo(local[result.index]!, 5);
      expect(result.document.text).toBe(texts[result.index]);
    }
  });

  it("POST /v2/rerank answers Cohere's documented v2 request", async () => {
    const { status, body } = await call(url, '/v2/rerank', {
      body: { model: 'rerank-v3.5', query, documents: texts, top_n: 3, max_tokens_per_doc: 4096 },
    });
    expect(status).toBe(200);
    const answer = body as {
      results: Array<{ index: number; relevance_score: number }>;
      meta: unknown;
    };
    expect(answer.results).toHaveLength(3);
    expect(answer.results[0]).not.toHaveProperty('document');
    expect(answer.meta).toMatchObject({ api_version: { version: '2' } });
  });

  it('max_tokens_per_doc cuts documents before scoring', async () => {
    const long = `${texts[0]} ${'filler words '.repeat(20)}`;
    const cut = await call(url, '/v2/rerank', {
      body: { query, documents: [long], max_tokens_per_doc: 3 },
    });
    const [expected] = (
      await reranker.scorePairs({ pairs: [{ query, text: long, maxTextTokens: 3 }] })
    ).scores;
    const result = (cut.body as { results: Array<{ relevance_score: number }> }).results[0]!;
    expect(result.relevance_score).toBeCloseTo(expected!, 5);
  });

  it('POST /search runs the cascade and returns every stage score and the reports', async () => {
    const { status, body } = await call(url, '/search', {
      body: { query, topK: 2, includeText: true },
    });
    expect(status).toBe(200);
    const answer = body as {
      results: Array<{ id: string; scores: Record<string, number>; text: string; title: string }>;
      reports: Array<{ stageId: string }>;
      deadlineExceeded: boolean;
    };
    expect(answer.results).toHaveLength(2);
    expect(Object.keys(answer.results[0]!.scores)).toEqual(
      expect.arrayContaining(['retrieval', reranker.stageId]),
    );
    expect(answer.results[0]!.text).toBe(corpus.find((d) => d.id === answer.results[0]!.id)!.text);
    expect(answer.reports.map((report) => report.stageId)).toContain(reranker.stageId);
    expect(answer.deadlineExceeded).toBe(false);
  });

  it('odd but valid text (NUL bytes, lone surrogates, emoji, an empty text, 100 KB) is scored, not refused', async () => {
    const odd = [
      'a\u0000b',
      'lone \ud800 surrogate',
      '🧪 aspirin 💊',
      '',
      'aspirin '.repeat(12_500),
    ];
    const { status, body } = await call(url, '/rerank', { body: { query, texts: odd } });
    expect(status).toBe(200);
    const ranks = body as Array<{ index: number; score: number }>;
    expect(ranks.map((rank) => rank.index).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const rank of ranks) expect(Number.isFinite(rank.score)).toBe(true);
  });

  it('GET /health, /ready, /info, /openapi.json and /metrics', async () => {
    expect((await call(url, '/health')).body).toEqual({ status: 'ok' });
    expect((await call(url, '/ready')).body).toEqual({ ready: true });
    const info = (await call(url, '/info')).body as Record<string, unknown>;
    expect(info).toMatchObject({
      model_id: reranker.modelId,
      model_type: { reranker: {} },
      model_dtype: 'fp32',
      max_client_batch_size: 8,
      max_input_length: reranker.maxLength,
      reranker: { dtype: 'fp32', provider: 'cpu', maxLength: reranker.maxLength },
      search: true,
    });
    const openApi = (await call(url, '/openapi.json')).body as {
      openapi: string;
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }
      >;
    };
    expect(openApi.openapi).toBe('3.1.0');
    expect(Object.keys(openApi.paths)).toEqual(
      expect.arrayContaining(['/rerank', '/v1/rerank', '/v2/rerank', '/search', '/metrics']),
    );
    expect(
      Object.keys(
        openApi.paths['/rerank']!.post!.requestBody.content['application/json']!.schema.properties,
      ),
    ).toEqual(expect.arrayContaining(['query', 'texts', 'raw_scores', 'return_text', 'truncate']));
    const metrics = await call(url, '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body as string;
    expect(text).toMatch(
      /sieve_http_requests_total\{route="\/rerank",method="POST",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /sieve_http_request_duration_seconds_bucket\{route="\/rerank",le="\+Inf"\} \d+/,
    );
    expect(text).toContain('sieve_queue_pairs 0');
    expect(text).toMatch(/sieve_scoring_call_pairs_count \d+/);
    expect(text).toContain('sieve_cascade_calls_total');
  });

  describe('bad input: a 4xx with a clear JSON body, and the server still answers', () => {
    const cases: Array<{
      name: string;
      path?: string;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      status: number;
      code: string;
      errorType?: string;
      field?: string;
      message: RegExp;
    }> = [
      {
        name: 'empty texts (TEI)',
        body: { query, texts: [] },
        status: 400,
        code: 'empty',
        errorType: 'Empty',
        field: 'texts',
        message: /`texts` cannot be empty/,
      },
      {
        name: 'more texts than the client batch limit (TEI)',
        body: { query, texts: Array(9).fill('a') },
        status: 413,
        code: 'too_many_documents',
        errorType: 'Validation',
        message: /batch size 9 > maximum allowed batch size 8/,
      },
      {
        name: 'an input over the token limit with truncate: false',
        body: { query, texts: ['ok', 'word '.repeat(300)], truncate: false },
        status: 413,
        code: 'input_too_long',
        errorType: 'Validation',
        field: 'texts.1',
        message: /must have less than \d+ tokens/,
      },
      {
        name: 'a text of the wrong type',
        body: { query, texts: ['a', 7] },
        status: 422,
        code: 'validation',
        field: 'texts.1',
        message: /texts\.1: .*expected string/,
      },
      {
        name: 'a missing query',
        body: { texts: ['a'] },
        status: 422,
        code: 'validation',
        field: 'query',
        message: /query/,
      },
      {
        name: 'an empty query',
        body: { query: '  ', texts: ['a'] },
        status: 422,
        code: 'validation',
        field: 'query',
        message: /query: must not be empty/,
      },
      {
        name: 'a body that is not an object',
        body: [1, 2],
        status: 422,
        code: 'validation',
        message: /expected object/,
      },
      {
        name: 'left truncation',
        body: { query, texts: ['a'], truncation_direction: 'Left' },
        status: 422,
        code: 'validation',
        field: 'truncation_direction',
        message: /only 'Right' is supported/,
      },
      {
        name: 'malformed JSON',
        raw: '{"query": "a", "texts": [',
        status: 400,
        code: 'invalid_json',
        message: /not valid JSON/,
      },
      { name: 'an empty body', raw: '', status: 400, code: 'invalid_json', message: /JSON/ },
      {
        name: 'a non-JSON content type',
        raw: 'query=a',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        code: 'unsupported_media_type',
        message: /application\/json/,
      },
      {
        name: 'a form body',
        raw: 'query=a',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
        code: 'unsupported_media_type',
        message: /application\/json/,
      },
      {
        name: 'a body over the size limit',
        raw: JSON.stringify({ query, texts: ['a'.repeat(9 * 1024 * 1024)] }),
        status: 413,
        code: 'body_too_large',
        message: /limit/,
      },
      {
        name: 'empty documents (Cohere)',
        path: '/v2/rerank',
        body: { query, documents: [] },
        status: 422,
        code: 'empty',
        field: 'documents',
        message: /documents: must not be empty/,
      },
      {
        name: 'too many documents (Cohere)',
        path: '/v1/rerank',
        body: { query, documents: Array(9).fill('a') },
        status: 422,
        code: 'too_many_documents',
        field: 'documents',
        message: /limit.*|maximum allowed batch size 8/,
      },
      {
        name: 'a document object without text (Cohere)',
        path: '/v1/rerank',
        body: { query, documents: [{ title: 'x' }] },
        status: 422,
        code: 'validation',
        field: 'documents.0',
        message: /documents\.0/,
      },
      {
        name: 'a rank field other than text (Cohere)',
        path: '/v1/rerank',
        body: { query, documents: ['a'], rank_fields: ['title'] },
        status: 422,
        code: 'validation',
        field: 'rank_fields.0',
        message: /rank_fields\.0: only 'text' is supported/,
      },
      {
        name: 'top_n of zero (Cohere)',
        path: '/v2/rerank',
        body: { query, documents: ['a'], top_n: 0 },
        status: 422,
        code: 'validation',
        field: 'top_n',
        message: /top_n/,
      },
      {
        name: 'an unknown /search field',
        path: '/search',
        body: { query, top_k: 3 },
        status: 422,
        code: 'validation',
        message: /top_k/,
      },
      {
        name: 'a bad deadline header',
        body: { query, texts: ['a'] },
        headers: { 'x-sieve-deadline-ms': 'soon' },
        status: 422,
        code: 'validation',
        field: 'x-sieve-deadline-ms',
        message: /positive number/,
      },
      {
        name: 'an unknown route',
        path: '/v3/rerank',
        body: { query },
        status: 404,
        code: 'not_found',
        message: /openapi\.json/,
      },
      {
        name: 'a __proto__ key (prototype poisoning)',
        raw: '{"query": "a", "texts": ["b"], "__proto__": {"admin": true}}',
        status: 400,
        code: 'invalid_json',
        message: /JSON/,
      },
      { name: 'a null body', raw: 'null', status: 400, code: 'invalid_json', message: /no body/ },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const answer = await call(url, testCase.path ?? '/rerank', {
          ...(testCase.body !== undefined ? { body: testCase.body } : {}),
          ...(testCase.raw !== undefined ? { raw: testCase.raw } : {}),
          ...(testCase.headers ? { headers: testCase.headers } : {}),
        });
        expect(answer.status).toBe(testCase.status);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        const body = answer.body as Record<string, string>;
        expect(body.code).toBe(testCase.code);
        expect(body.error).toMatch(testCase.message);
        expect(body.message).toBe(body.error);
        if (testCase.errorType) expect(body.error_type).toBe(testCase.errorType);
        if (testCase.field) expect(body.path).toBe(testCase.field);
        const next = await call(url, '/rerank', { body: { query, texts: ['a', 'b'] } });
        expect(next.status).toBe(200);
      });
    }
  });
});

/** A reranker that answers like a real one, `delayMs` later. */
function slowed(inner: CrossEncoder, delayMs: number): ServedReranker {
  return {
    modelId: inner.modelId,
    maxLength: inner.maxLength,
    countPairTokens: (options) => inner.countPairTokens(options),
    async scorePairs(options) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return inner.scorePairs(options);
    },
  };
}

describe('createServer under overload, deadlines, failures and shutdown', () => {
  let reranker: CrossEncoder;

  beforeAll(async () => {
    reranker = await createCrossEncoder({
      model: fixture,
      dtype: 'fp32',
      execution: 'same-thread',
    });
  });
  afterAll(async () => {
    await reranker?.dispose();
  });

  async function withServer<T>(
    settings: Omit<Parameters<typeof createServer>[0], 'reranker'> & { reranker: ServedReranker },
    run: (url: string, server: SieveServer) => Promise<T>,
  ): Promise<T> {
    const server = createServer({ warmUp: false, ...settings });
    const { url } = await server.listen({ port: 0 });
    try {
      return await run(url, server);
    } finally {
      await server.close();
    }
  }

  it('refuses settings that serve nothing, or a reranker without scorePairs', () => {
    expect(() => createServer({})).toThrow(InvalidConfigError);
    expect(() => createServer({ reranker: {} as ServedReranker })).toThrow(/scorePairs/);
  });

  it('a full queue answers 429 with Retry-After, then serves again', async () => {
    const slow = slowed(reranker, 150);
    await withServer(
      { reranker: slow, batching: { maxQueuedPairs: 4, maxWaitMs: 0, concurrency: 1 } },
      async (url) => {
        const first = call(url, '/rerank', { body: { query, texts: texts.slice(0, 3) } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        const refused = await call(url, '/rerank', { body: { query, texts: texts.slice(0, 2) } });
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.body).toMatchObject({ code: 'overloaded', error_type: 'Overloaded' });
        expect((await first).status).toBe(200);
        expect(
          (await call(url, '/rerank', { body: { query, texts: texts.slice(0, 2) } })).status,
        ).toBe(200);
      },
    );
  });

  it('a deadline returns what was scored, the rest in input order, and says so', async () => {
    const slow = slowed(reranker, 120);
    await withServer(
      { reranker: slow, batching: { maxPairs: 2, maxWaitMs: 0, concurrency: 1 } },
      async (url) => {
        const answer = await call(url, '/rerank', {
          body: { query, texts },
          headers: { 'x-sieve-deadline-ms': '180' },
        });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('x-sieve-deadline-exceeded')).toBe('true');
        const ranks = answer.body as Array<{ index: number; score: number | null }>;
        expect(ranks).toHaveLength(4);
        const unscored = ranks.filter((rank) => rank.score === null);
        expect(unscored.length).toBeGreaterThan(0);
        expect(unscored.map((rank) => rank.index)).toEqual(
          [...unscored.map((rank) => rank.index)].sort((a, b) => a - b),
        );
        expect(
          ranks.slice(0, ranks.length - unscored.length).every((rank) => rank.score !== null),
        ).toBe(true);
        const cohere = await call(url, '/v2/rerank', {
          body: { query, documents: texts, deadlineMs: 180 },
        });
        expect(cohere.body).toMatchObject({
          meta: { warnings: [expect.stringMatching(/deadline/)] },
        });
      },
    );
  });

  it('a real inference worker that dies mid-batch: 503 for that request, the next one is served', async () => {
    // The worker exits on its 2nd batch (SIEVE_FAULT_INJECT is read when a worker starts; the
    // pool's replacement starts without it).
    process.env.SIEVE_FAULT_INJECT = 'worker-exit:2';
    let workerReranker: CrossEncoder;
    try {
      workerReranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    } finally {
      delete process.env.SIEVE_FAULT_INJECT;
    }
    try {
      await withServer({ reranker: workerReranker }, async (url) => {
        expect((await call(url, '/rerank', { body: { query, texts } })).status).toBe(200);
        const crashed = await call(url, '/rerank', { body: { query, texts } });
        expect(crashed.status).toBe(503);
        expect(crashed.body).toMatchObject({ code: 'backend_unavailable' });
        expect((crashed.body as { error: string }).error).toMatch(/exited with code 70/);
        expect(crashed.headers.get('retry-after')).toBe('1');
        let next = await call(url, '/rerank', { body: { query, texts } });
        // The replacement worker may still be starting: its requests wait for it, none fail.
        expect(next.status).toBe(200);
        next = await call(url, '/v2/rerank', { body: { query, documents: texts } });
        expect(next.status).toBe(200);
      });
    } finally {
      await workerReranker.dispose();
    }
  });

  it('/search with a deadline returns the best ranking so far and says so', async () => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const slowStage: ScorerV1 = {
      specificationVersion: 'v1',
      stageId: 'slow',
      modelId: 'slow',
      async doScore({ documents }) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { scores: documents.map(() => 0) };
      },
    };
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      stages: [{ scorer: slowStage, topK: 2 }],
      topK: 2,
    });
    const server = createServer({ cascade, warmUp: false });
    const { url } = await server.listen({ port: 0 });
    try {
      const answer = await call(url, '/search', { body: { query, deadlineMs: 50 } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-sieve-deadline-exceeded')).toBe('true');
      const body = answer.body as {
        deadlineExceeded: boolean;
        results: unknown[];
        warnings: Array<{ type: string }>;
      };
      expect(body.deadlineExceeded).toBe(true);
      expect(body.results.length).toBeGreaterThan(0);
      expect(body.warnings.map((warning) => warning.type)).toContain('deadline');
      // No reranker configured: the rerank routes say so.
      expect((await call(url, '/rerank', { body: { query, texts } })).body).toMatchObject({
        code: 'not_configured',
      });
    } finally {
      await server.close();
    }
  });

  it('a client that goes away: its pairs leave the queue, nothing is logged, the server serves on', async () => {
    const slow = slowed(reranker, 150);
    await withServer(
      { reranker: slow, batching: { maxPairs: 2, maxWaitMs: 0, concurrency: 1 } },
      async (url) => {
        const errors: unknown[] = [];
        const original = console.error;
        console.error = (...args: unknown[]) => errors.push(args);
        try {
          const controller = new AbortController();
          const gone = fetch(`${url}/rerank`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, texts }),
            signal: controller.signal,
          }).catch(() => 'aborted');
          await new Promise((resolve) => setTimeout(resolve, 50));
          controller.abort();
          expect(await gone).toBe('aborted');
          const next = await call(url, '/rerank', { body: { query, texts: texts.slice(0, 1) } });
          expect(next.status).toBe(200);
          const metrics = (await call(url, '/metrics')).body as string;
          expect(metrics).toContain('status="499"');
          expect(metrics).toContain('sieve_queue_pairs 0');
        } finally {
          console.error = original;
        }
        expect(errors).toEqual([]);
      },
    );
  });

  it('/ready is 503 until warm-up is done', async () => {
    const slow = slowed(reranker, 200);
    const server = createServer({ reranker: slow });
    const { url } = await server.listen({ port: 0 });
    try {
      const early = await call(url, '/ready');
      expect(early.status).toBe(503);
      await server.ready();
      expect((await call(url, '/ready')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('close() lets in-flight requests finish', async () => {
    const slow = slowed(reranker, 150);
    const server = createServer({ reranker: slow, warmUp: false });
    const { url } = await server.listen({ port: 0 });
    const inFlight = call(url, '/rerank', { body: { query, texts } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await server.close();
    expect((await inFlight).status).toBe(200);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('64 concurrent requests share scoring calls and get the same scores as one by one', async () => {
    await withServer({ reranker, batching: { maxWaitMs: 5 } }, async (url) => {
      const queries = Array.from({ length: 64 }, (_, index) => `${query} ${index}`);
      const answers = await Promise.all(
        queries.map((text) => call(url, '/rerank', { body: { query: text, texts } })),
      );
      const metrics = (await call(url, '/metrics')).body as string;
      const calls = Number(/sieve_scoring_call_pairs_count (\d+)/.exec(metrics)![1]);
      expect(calls).toBeLessThan(64);
      for (const [index, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        const { scores } = await reranker.scorePairs({
          pairs: texts.map((text) => ({ query: queries[index]!, text })),
        });
        for (const rank of answer.body as Array<{ index: number; score: number }>) {
          expect(rank.score).toBeCloseTo(scores[rank.index]!, 5);
        }
      }
    });
  });
});
