import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidConfigError, RemoteCallError, StageError } from '@sieve/core';
import { describeScorerConformance } from '@sieve/core/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteScorer, type RemoteScorerSettings } from './create-remote-scorer.js';

/** A request as the test server received it. */
interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Handler = (request: ReceivedRequest, response: ServerResponse) => void;

const json = (response: ServerResponse, status: number, body: unknown, headers = {}): void => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

/** The texts of a TEI or Cohere request. */
const textsOf = (request: ReceivedRequest): string[] =>
  (request.body.texts ?? request.body.documents) as string[];

/**
 * Scores like a real server, deterministically (score = text length): TEI's bare array sorted
 * best first, or Cohere's `{ results }`.
 */
const scoreByLength: Handler = (request, response) => {
  const ranks = textsOf(request)
    .map((text, index) => ({ index, score: text.length }))
    .sort((a, b) => b.score - a.score);
  if (request.path === '/rerank') return json(response, 200, ranks);
  json(response, 200, {
    id: 'test',
    results: ranks.map(({ index, score }) => ({ index, relevance_score: score })),
    meta: { api_version: { version: '2' } },
  });
};

let server: Server;
let baseUrl: string;
let handler: Handler = scoreByLength;
let received: ReceivedRequest[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
      received.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  handler = scoreByLength;
  received = [];
});

const documents = ['a', 'bbb', 'cc', 'dddd', 'eeeee', '', 'ffffff'].map((text, index) => ({
  id: `d${index}`,
  text,
}));
const lengths = documents.map((document) => document.text.length);
const query = 'which is longest?';

const scorer = (settings: Partial<RemoteScorerSettings> = {}) =>
  createRemoteScorer({
    url: baseUrl,
    protocol: 'tei',
    backoffMs: 1,
    timeoutMs: 2_000,
    ...settings,
  });

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(promise).then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

/** Checks that `error` is a RemoteCallError and returns it. */
function remoteCallError(error: unknown): RemoteCallError {
  expect(RemoteCallError.isInstance(error), String(error)).toBe(true);
  return error as RemoteCallError;
}

/** Timers Node holds: a settled call must have added none. */
const activeTimers = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describeScorerConformance('remote scorer (tei)', { create: () => scorer() });
describeScorerConformance('remote scorer (cohere)', {
  create: () => scorer({ protocol: 'cohere' }),
});

describe('createRemoteScorer: wire shapes', () => {
  it('tei: posts { query, texts, raw_scores, truncate } to /rerank and maps sorted ranks back by index', async () => {
    const remote = scorer({ url: `${baseUrl}/` });
    const { scores } = await remote.doScore({ query, documents });
    expect(scores).toEqual(lengths);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/rerank');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body).toEqual({
      query,
      texts: documents.map((document) => document.text),
      raw_scores: true,
      truncate: true,
    });
    expect(remote.endpoint).toBe(`${baseUrl}/rerank`);
    expect(remote.stageId).toBe('remote');
    expect(remote.modelId).toBe(`tei:${baseUrl}`);
    expect(remote.maxDocumentsPerRequest).toBe(32);
  });

  it('cohere: posts { model, query, documents } to /v2/rerank with the API key and extra headers', async () => {
    const remote = scorer({
      protocol: 'cohere',
      apiKey: 'secret',
      headers: { 'x-tenant': 'blue' },
      stageId: 'rerank',
      modelId: 'rerank-v3.5',
    });
    const { scores } = await remote.doScore({ query, documents });
    expect(scores).toEqual(lengths);
    const [request] = received;
    expect(request!.path).toBe('/v2/rerank');
    expect(request!.headers.authorization).toBe('Bearer secret');
    expect(request!.headers['x-tenant']).toBe('blue');
    expect(request!.body).toEqual({
      model: 'rerank',
      query,
      documents: documents.map((document) => document.text),
    });
    expect([remote.stageId, remote.modelId, remote.maxDocumentsPerRequest]).toEqual([
      'rerank',
      'rerank-v3.5',
      1000,
    ]);
  });

  it('splits documents into requests of maxDocumentsPerRequest, at most `concurrency` in flight, scores in input order', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    handler = (request, response) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        scoreByLength(request, response);
      }, 20);
    };
    const remote = scorer({ maxDocumentsPerRequest: 2, concurrency: 2 });
    const { scores } = await remote.doScore({ query, documents });
    expect(scores).toEqual(lengths);
    expect(received.map((request) => textsOf(request).length)).toEqual([2, 2, 2, 1]);
    expect(received.flatMap(textsOf).sort()).toEqual(
      documents.map((document) => document.text).sort(),
    );
    expect(mostInFlight).toBe(2);
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const remote = createRemoteScorer({
      url: 'https://rerank.example',
      protocol: 'cohere',
      fetch: async (input) => {
        calls.push(String(input));
        return Response.json({ results: [{ index: 0, relevance_score: 0.5 }] });
      },
    });
    await expect(remote.doScore({ query, documents: [documents[0]!] })).resolves.toEqual({
      scores: [0.5],
    });
    expect(calls).toEqual(['https://rerank.example/v2/rerank']);
  });
});

describe('createRemoteScorer: retries and failures', () => {
  it('retries a 429, waiting Retry-After rather than backoffMs', async () => {
    let first = true;
    handler = (request, response) => {
      if (!first) return scoreByLength(request, response);
      first = false;
      json(response, 429, { error: 'queue full', error_type: 'Overloaded' }, { 'retry-after': 0 });
    };
    const remote = scorer({ backoffMs: 60_000 });
    await expect(remote.doScore({ query, documents })).resolves.toEqual({ scores: lengths });
    expect(received).toHaveLength(2);
  });

  it.each([502, 503, 504])(
    'gives up on %i after 1 + retries attempts: retryable RemoteCallError',
    async (status) => {
      handler = (_request, response) => json(response, status, { message: 'model is loading' });
      const error = remoteCallError(
        await rejection(scorer({ retries: 2 }).doScore({ query, documents })),
      );
      expect(received).toHaveLength(3);
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(true);
      expect(error.url).toBe(`${baseUrl}/rerank`);
      expect(error.component).toBe('rerank');
      expect(error.message).toContain(`${baseUrl}/rerank failed 3 times`);
      expect(error.message).toContain(`${status}`);
      expect(error.message).toContain('model is loading');
    },
  );

  it.each([
    [
      'a Sieve or TEI body',
      413,
      JSON.stringify({
        error: 'batch size 33 > maximum allowed batch size 32',
        error_type: 'Validation',
        code: 'too_many_documents',
        message: 'batch size 33 > maximum allowed batch size 32',
      }),
      'batch size 33 > maximum allowed batch size 32',
    ],
    [
      'a TEI body',
      424,
      JSON.stringify({ error: 'score is NaN', error_type: 'Backend' }),
      'score is NaN',
    ],
    ['a Cohere body', 401, JSON.stringify({ message: 'invalid api token' }), 'invalid api token'],
    [
      'plain text',
      500,
      `Internal failure ${'x'.repeat(1_000)}`,
      `Internal failure ${'x'.repeat(200)}`,
    ],
  ])(
    'does not retry other errors and quotes the server (%s)',
    async (_name, status, body, quoted) => {
      handler = (_request, response) => {
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(body);
      };
      const error = remoteCallError(await rejection(scorer().doScore({ query, documents })));
      expect(received).toHaveLength(1);
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`${baseUrl}/rerank answered ${status}`);
      expect(error.message).toContain(quoted);
      expect(error.message.length).toBeLessThan(600);
    },
  );

  it('says what to do about a 413 and a 401', async () => {
    handler = (_request, response) => json(response, 413, { error: 'too big' });
    const tooBig = remoteCallError(await rejection(scorer().doScore({ query, documents })));
    expect(tooBig.message).toContain('maxDocumentsPerRequest');
    handler = (_request, response) => {
      response.writeHead(401);
      response.end();
    };
    const refused = remoteCallError(await rejection(scorer().doScore({ query, documents })));
    expect(refused.message).toContain('(empty body)');
    expect(refused.message).toContain('apiKey');
  });

  it('times out each attempt after timeoutMs, retries, and clears its timers', async () => {
    handler = () => undefined; // never answers
    const timersBefore = activeTimers();
    const error = remoteCallError(
      await rejection(scorer({ timeoutMs: 100, retries: 1 }).doScore({ query, documents })),
    );
    expect(received).toHaveLength(2);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('within timeoutMs 100 ms');
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('rejects a refused connection as retryable, without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const remote = scorer({ url: `http://127.0.0.1:${port}`, retries: 1 });
    const error = remoteCallError(await rejection(remote.doScore({ query, documents })));
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('could not be reached');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it.each<[string, 'tei' | 'cohere', (texts: string[]) => string, string]>([
    ['not JSON', 'tei', () => '<html>oops</html>', 'not JSON: <html>oops</html>'],
    ['an object instead of an array', 'tei', () => '{"results":[]}', 'not a JSON array'],
    ['no results array', 'cohere', () => '[]', 'not a JSON object { results'],
    ['too few results', 'tei', () => JSON.stringify([{ index: 0, score: 1 }]), '1 results for 3'],
    [
      'an index out of range',
      'tei',
      (texts) => JSON.stringify(texts.map((_, index) => ({ index: index + 1, score: 1 }))),
      'index 3, not one of 0..2',
    ],
    [
      'a duplicated index',
      'cohere',
      (texts) => JSON.stringify({ results: texts.map(() => ({ index: 1, relevance_score: 0.5 })) }),
      'index 1 twice',
    ],
    [
      'a missing index',
      'tei',
      (texts) => JSON.stringify(texts.map(() => ({ score: 1 }))),
      'index undefined',
    ],
    [
      'a score that is not a number',
      'tei',
      (texts) =>
        JSON.stringify(texts.map((_, index) => ({ index, score: index === 2 ? null : 1 }))),
      'score null for index 2',
    ],
  ])('rejects an answer with %s, without retrying', async (_name, protocol, answer, what) => {
    handler = (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(answer(textsOf(request)));
    };
    const remote = scorer({ protocol });
    const error = remoteCallError(
      await rejection(remote.doScore({ query, documents: documents.slice(0, 3) })),
    );
    expect(received).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('answered 200 with');
    expect(error.message).toContain(what);
  });

  it('stops the other requests of a call when one fails for good', async () => {
    // Four requests arrive together; once all are in, the one with 'a' fails and the rest hang:
    // the call must reject without waiting for their timeout, and leave no timer behind.
    const waiting: Array<[ReceivedRequest, ServerResponse]> = [];
    handler = (request, response) => {
      waiting.push([request, response]);
      if (waiting.length < 4) return;
      const [, failing] = waiting.find(([held]) => textsOf(held).includes('a'))!;
      json(failing, 400, { message: 'bad' });
    };
    const timersBefore = activeTimers();
    const remote = scorer({ maxDocumentsPerRequest: 2, timeoutMs: 60_000 });
    const error = remoteCallError(await rejection(remote.doScore({ query, documents })));
    expect(error.status).toBe(400);
    expect(received).toHaveLength(4);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });
});

describe('createRemoteScorer: abort and dispose', () => {
  it.each<[string, Handler, Partial<RemoteScorerSettings>]>([
    ['while a request is in flight', () => undefined, { timeoutMs: 60_000 }],
    [
      'during a backoff wait',
      (_request, response) => json(response, 503, { message: 'busy' }),
      { backoffMs: 60_000 },
    ],
  ])(
    'rejects with the signal reason %s, leaving no timer behind',
    async (_when, answer, settings) => {
      handler = answer;
      const controller = new AbortController();
      const reason = new Error('user left');
      const timersBefore = activeTimers();
      const call = scorer(settings).doScore({ query, documents, abortSignal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toHaveLength(1);
      controller.abort(reason);
      expect(await rejection(call)).toBe(reason);
      expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    },
  );

  it('throws StageError after dispose', async () => {
    const remote = scorer();
    await remote.dispose();
    const error = await rejection(remote.doScore({ query, documents }));
    expect(StageError.isInstance(error)).toBe(true);
    expect((error as StageError).stageId).toBe('remote');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an ftp url', { url: 'ftp://example.com', protocol: 'tei' }, 'url'],
    ['an unknown protocol', { url: 'http://example.com', protocol: 'grpc' }, 'protocol'],
    ['a negative retries', { url: 'http://example.com', protocol: 'tei', retries: -1 }, 'retries'],
    ['an unknown setting', { url: 'http://example.com', protocol: 'tei', topN: 3 }, ''],
  ])('rejects %s with InvalidConfigError', (_name, settings, path) => {
    let caught: unknown;
    try {
      createRemoteScorer(settings as RemoteScorerSettings);
    } catch (error) {
      caught = error;
    }
    expect(InvalidConfigError.isInstance(caught)).toBe(true);
    expect((caught as InvalidConfigError).issues.map((issue) => issue.path)).toContain(path);
  });
});
