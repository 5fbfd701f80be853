import { setTimeout as delay } from 'node:timers/promises';
import {
  assertDocuments,
  assertQuery,
  parseSettings,
  RemoteCallError,
  type ScorerV1,
  type ScorerV1CallOptions,
  type ScorerV1Result,
  StageError,
} from '@sieve/core';
import { z } from 'zod';

/** The wire protocols a remote scorer speaks. */
const remoteProtocols = ['tei', 'cohere'] as const;

/** Schema of {@link RemoteScorerSettings}. */
export const remoteScorerSettingsSchema = z
  .object({
    /**
     * The server's root, `http` or `https`, without the route (`http://rerank:8080`, not
     * `.../rerank`); a trailing slash is tolerated.
     */
    url: z
      .url({
        protocol: /^https?$/,
        error: 'url must be an http(s) URL such as http://localhost:8080',
      })
      .transform((url) => url.replace(/\/+$/, '')),
    /**
     * `tei`: `POST {url}/rerank` (Hugging Face text-embeddings-inference, `sieve serve`).
     * `cohere`: `POST {url}/v2/rerank` (Cohere and compatible servers, `sieve serve`).
     */
    protocol: z.enum(remoteProtocols),
    /** The `model` field of Cohere requests (TEI serves one model and has none). @default 'rerank' */
    model: z.string().min(1).default('rerank'),
    /** Sent as `Authorization: Bearer <apiKey>` (Cohere, or TEI started with `--api-key`). */
    apiKey: z.string().min(1).optional(),
    /** Extra HTTP headers on every request (a proxy's, a tenant id...). */
    headers: z.record(z.string(), z.string()).optional(),
    /** Stage id in a cascade. @default 'remote' */
    stageId: z.string().min(1).default('remote'),
    /** The model behind the scores, for reports. @default `${protocol}:${url}` */
    modelId: z.string().min(1).optional(),
    /** Limit of one HTTP attempt (answer and body), in milliseconds. @default 30000 */
    timeoutMs: z.number().int().positive().default(30_000),
    /**
     * Extra attempts after a retryable failure: a connection error, a timeout, or HTTP 429, 502,
     * 503 or 504. Other errors are not retried.
     * @default 2
     */
    retries: z.number().int().nonnegative().default(2),
    /**
     * Wait before the first retry, in milliseconds; doubled on each further retry, jittered and
     * capped at 5 s. A `Retry-After` header (in seconds, capped at 30 s) replaces it.
     * @default 100
     */
    backoffMs: z.number().nonnegative().default(100),
    /**
     * Most documents per HTTP request: a `doScore` call with more is split. Keep it at or below
     * the server's limit (TEI: `--max-client-batch-size`).
     * @default 32 for `tei` (TEI's default limit), 1000 for `cohere`
     */
    maxDocumentsPerRequest: z.number().int().positive().optional(),
    /** Requests of one `doScore` call in flight at once. @default 4 */
    concurrency: z.number().int().positive().default(4),
    /** The fetch implementation (tests, proxies, instrumentation). @default globalThis.fetch */
    fetch: z
      .custom<typeof fetch>((value) => typeof value === 'function', {
        message: 'fetch must be a function like globalThis.fetch',
      })
      .optional(),
  })
  .strict();

/** Settings of {@link createRemoteScorer}. */
export type RemoteScorerSettings = z.input<typeof remoteScorerSettingsSchema>;

/** A rerank HTTP endpoint as a Sieve scoring stage. */
export interface RemoteScorer extends ScorerV1 {
  /** `tei` or `cohere`. */
  readonly protocol: (typeof remoteProtocols)[number];
  /** The URL posted to, e.g. `http://rerank:8080/rerank`. */
  readonly endpoint: string;
  /** Most documents per HTTP request. */
  readonly maxDocumentsPerRequest: number;
  doScore(options: ScorerV1CallOptions): Promise<ScorerV1Result>;
  /** Makes later calls throw `StageError`; there is nothing to free. */
  dispose(): Promise<void>;
}

const component = 'rerank';
const retryableStatuses = new Set([429, 502, 503, 504]);
const maxBackoffMs = 5_000;
const maxRetryAfterMs = 30_000;
/** How much of a server's message or body an error quotes. */
const quotedLength = 300;

/** One (index, score) entry of an answer, as received. */
interface Rank {
  index: unknown;
  score: unknown;
}

/** What differs between the protocols: the route, the request body and where scores are. */
interface WireProtocol {
  path: string;
  defaultMaxDocumentsPerRequest: number;
  body(query: string, texts: string[], model: string): unknown;
  /** The ranks of a 200 answer, or what the answer is instead. */
  ranks(body: unknown): Rank[] | string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object' && !Array.isArray(value);

const wireProtocols: Record<RemoteScorer['protocol'], WireProtocol> = {
  tei: {
    path: '/rerank',
    // TEI's default --max-client-batch-size; more is refused with 413.
    defaultMaxDocumentsPerRequest: 32,
    // raw_scores: the logit, as the local cross-encoder gives (TEI's default is its sigmoid).
    body: (query, texts) => ({ query, texts, raw_scores: true, truncate: true }),
    ranks: (body) =>
      Array.isArray(body)
        ? body.map((rank: unknown) => ({
            index: isRecord(rank) ? rank.index : undefined,
            score: isRecord(rank) ? rank.score : undefined,
          }))
        : 'not a JSON array of { index, score }',
  },
  cohere: {
    path: '/v2/rerank',
    defaultMaxDocumentsPerRequest: 1000,
    // No top_n: every document comes back.
    body: (query, documents, model) => ({ model, query, documents }),
    ranks: (body) =>
      isRecord(body) && Array.isArray(body.results)
        ? body.results.map((result: unknown) => ({
            index: isRecord(result) ? result.index : undefined,
            score: isRecord(result) ? result.relevance_score : undefined,
          }))
        : 'not a JSON object { results: [{ index, relevance_score }] }',
  },
};

/** Why one attempt failed, before it becomes a {@link RemoteCallError}. */
interface AttemptFailure {
  /** What happened, e.g. `answered 503 Service Unavailable: model is loading`. */
  reason: string;
  /** What to do about it. */
  advice: string;
  status?: number;
  retryable: boolean;
  /** From a `Retry-After` header. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Scores by calling a rerank HTTP endpoint, so a cascade stage can run on another machine: a
 * Sieve server (`sieve serve`), a Hugging Face text-embeddings-inference deployment, or a
 * Cohere-compatible API. Documents are sent in requests of at most `maxDocumentsPerRequest`,
 * `concurrency` at a time; scores come back in input order. Failures reject with
 * `RemoteCallError` once the retries are spent.
 *
 * @example
 * ```ts
 * const reranker = createRemoteScorer({ url: 'http://rerank:8080', protocol: 'tei', stageId: 'rerank' });
 * const { scores } = await reranker.doScore({ query: 'aspirin', documents: [{ id: 'a', text: '...' }] });
 * ```
 */
export function createRemoteScorer(settings: RemoteScorerSettings): RemoteScorer {
  const resolved = parseSettings(remoteScorerSettingsSchema, settings, { component });
  const { protocol, model, stageId, timeoutMs, retries, backoffMs, concurrency } = resolved;
  const wire = wireProtocols[protocol];
  const endpoint = `${resolved.url}${wire.path}`;
  const modelId = resolved.modelId ?? `${protocol}:${resolved.url}`;
  const maxDocumentsPerRequest =
    resolved.maxDocumentsPerRequest ?? wire.defaultMaxDocumentsPerRequest;
  const fetchImplementation = resolved.fetch ?? globalThis.fetch;
  const headers = new Headers(resolved.headers);
  headers.set('content-type', 'application/json');
  headers.set('accept', 'application/json');
  if (resolved.apiKey !== undefined) headers.set('authorization', `Bearer ${resolved.apiKey}`);
  const requestHeaders = Object.fromEntries(headers);
  let disposed = false;

  /**
   * One POST with its own timeout: resolves with the scores or with why it failed; rejects only
   * with the call's abort reason.
   */
  const attempt = async (
    body: string,
    count: number,
    callSignal: AbortSignal,
  ): Promise<number[] | AttemptFailure> => {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(callSignal.reason);
    callSignal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number | undefined;
    try {
      const response = await fetchImplementation(endpoint, {
        method: 'POST',
        headers: requestHeaders,
        body,
        signal: controller.signal,
      });
      status = response.status;
      const text = await response.text();
      if (!response.ok) return httpFailure(response, text);
      return readScores(text, count, wire);
    } catch (error) {
      if (callSignal.aborted) throw callSignal.reason;
      const timedOut = controller.signal.aborted;
      return {
        reason: timedOut
          ? `${status === undefined ? 'gave no answer' : `answered ${status} but sent no body`} within timeoutMs ${timeoutMs} ms`
          : `could not be reached (${describeCause(error)})`,
        advice: timedOut
          ? 'check that the server is up; raise timeoutMs, or lower maxDocumentsPerRequest'
          : 'check the url and that the server is up',
        ...(status === undefined ? {} : { status }),
        retryable: true,
        cause: error,
      };
    } finally {
      clearTimeout(timer);
      callSignal.removeEventListener('abort', onAbort);
    }
  };

  /** Scores one request's texts, retrying retryable failures. */
  const scoreChunk = async (
    query: string,
    texts: string[],
    callSignal: AbortSignal,
  ): Promise<number[]> => {
    const body = JSON.stringify(wire.body(query, texts, model));
    for (let attemptNumber = 1; ; attemptNumber++) {
      const result = await attempt(body, texts.length, callSignal);
      if (Array.isArray(result)) return result;
      if (!result.retryable || attemptNumber > retries) {
        throw new RemoteCallError({
          component,
          url: endpoint,
          ...(result.status === undefined ? {} : { status: result.status }),
          retryable: result.retryable,
          message: `POST ${endpoint} ${attemptNumber > 1 ? `failed ${attemptNumber} times; the last time it ` : ''}${result.reason}; ${result.advice}`,
          cause: result.cause,
        });
      }
      // Exponential backoff with jitter (half fixed, half random) so that many clients that
      // failed together do not retry together; a server's Retry-After takes precedence.
      const backoff = Math.min(backoffMs * 2 ** (attemptNumber - 1), maxBackoffMs);
      const wait = result.retryAfterMs ?? backoff / 2 + (Math.random() * backoff) / 2;
      // Rejects (and clears its timer) as soon as the call is aborted.
      await delay(wait, undefined, { signal: callSignal });
    }
  };

  return {
    specificationVersion: 'v1',
    stageId,
    modelId,
    protocol,
    endpoint,
    maxDocumentsPerRequest,
    async doScore({ query, documents, abortSignal }) {
      if (disposed) {
        throw new StageError({
          component,
          stageId,
          message: `'${stageId}' (${modelId}) was disposed; create a new one`,
        });
      }
      abortSignal?.throwIfAborted();
      assertQuery(query, component);
      assertDocuments(documents, component);
      const chunks: string[][] = [];
      for (let start = 0; start < documents.length; start += maxDocumentsPerRequest) {
        chunks.push(
          documents.slice(start, start + maxDocumentsPerRequest).map((document) => document.text),
        );
      }
      // One signal for the whole call: the caller's abort, or the first failed request, stops
      // every other request and backoff wait, so nothing is left running once the call settles.
      const call = new AbortController();
      const onAbort = (): void => call.abort(abortSignal?.reason);
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      const chunkScores: number[][] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!call.signal.aborted && next < chunks.length) {
          const index = next++;
          try {
            chunkScores[index] = await scoreChunk(query, chunks[index]!, call.signal);
          } catch (error) {
            if (!call.signal.aborted) call.abort(error);
          }
        }
      };
      try {
        await Promise.all(
          Array.from({ length: Math.min(concurrency, chunks.length) }, () => worker()),
        );
      } finally {
        abortSignal?.removeEventListener('abort', onAbort);
      }
      if (call.signal.aborted) throw call.signal.reason;
      return { scores: chunkScores.flat() };
    },
    async dispose() {
      disposed = true;
    },
  };
}

/** A non-2xx answer as a failure quoting the server's message. */
function httpFailure(response: Response, text: string): AttemptFailure {
  const { status } = response;
  const retryable = retryableStatuses.has(status);
  const retryAfter = response.headers.get('retry-after');
  const retryAfterSeconds = retryAfter === null || retryAfter.trim() === '' ? NaN : +retryAfter;
  return {
    reason: `answered ${status}${response.statusText ? ` ${response.statusText}` : ''}: ${serverMessage(text)}`,
    advice: adviceFor(status, retryable),
    status,
    retryable,
    ...(retryable && retryAfterSeconds >= 0
      ? { retryAfterMs: Math.min(retryAfterSeconds * 1000, maxRetryAfterMs) }
      : {}),
  };
}

function adviceFor(status: number, retryable: boolean): string {
  if (retryable) return 'the server is overloaded or unavailable; retry later, or raise retries';
  if (status === 401 || status === 403) return 'check apiKey (sent as Authorization: Bearer)';
  if (status === 404 || status === 405) return 'check the url (the server root) and protocol';
  if (status === 413) {
    return "lower maxDocumentsPerRequest to the server's limit (TEI: --max-client-batch-size), or send shorter texts";
  }
  return "see the server's message and log";
}

/**
 * The message of an error body: `message` (Sieve, Cohere), else `error` (TEI), else the raw text
 * (framework errors are plain text).
 */
function serverMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) {
      const message = body.message ?? body.error;
      if (typeof message === 'string' && message !== '') return quote(message);
    }
  } catch {
    // Not JSON: quoted as it is.
  }
  return text.trim() === '' ? '(empty body)' : quote(text.trim());
}

/**
 * The scores of a 200 answer in input order, or a non-retryable failure naming what is wrong with
 * the answer. Answers may come in any order (TEI sorts them by score): they are mapped back by index.
 */
function readScores(text: string, count: number, wire: WireProtocol): number[] | AttemptFailure {
  const failure = (what: string): AttemptFailure => ({
    reason: `answered 200 with ${what}`,
    advice: 'check that the url and protocol match the server',
    status: 200,
    retryable: false,
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return failure(`a body that is not JSON: ${quote(text.trim()) || '(empty body)'}`);
  }
  const ranks = wire.ranks(body);
  if (typeof ranks === 'string') return failure(ranks);
  if (ranks.length !== count) return failure(`${ranks.length} results for ${count} documents`);
  const scores = new Array<number>(count);
  const seen = new Set<number>();
  for (const [position, { index, score }] of ranks.entries()) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      return failure(
        `result ${position} has index ${JSON.stringify(index)}, not one of 0..${count - 1}`,
      );
    }
    if (seen.has(index)) return failure(`index ${index} twice`);
    seen.add(index);
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      return failure(`score ${JSON.stringify(score)} for index ${index}, not a finite number`);
    }
    scores[index] = score;
  }
  return scores;
}

/** The innermost message of a fetch error (`fetch failed` hides ECONNREFUSED in its cause). */
function describeCause(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function quote(text: string): string {
  return text.length > quotedLength ? `${text.slice(0, quotedLength)}…` : text;
}
