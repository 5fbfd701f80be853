import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { type CascadeResult, formatPrometheus } from '@sieve/cascade';
import { parseSettings } from '@sieve/core';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpError, toHttpError, validationError } from './http-error.js';
import { buildOpenApiDocument } from './openapi.js';
import { createPairBatcher, type PairBatcher, type ScoredPair } from './pair-batcher.js';
import { createServerMetrics } from './server-metrics.js';
import {
  type ResolvedServerSettings,
  type ServerSettings,
  serverSettingsSchema,
} from './server-settings.js';
import {
  cohereV1RerankRequestSchema,
  cohereV2RerankRequestSchema,
  searchRequestSchema,
  teiRerankRequestSchema,
} from './wire-schemas.js';

/** Options of {@link SieveServer.listen}. */
export interface ListenOptions {
  /** @default 8080 */
  port?: number;
  /** @default '127.0.0.1' (loopback; pass '0.0.0.0' to serve other machines) */
  host?: string;
}

/** A Sieve HTTP server. Create one with {@link createServer}. */
export interface SieveServer {
  /** Starts listening; resolves with the URL it answers on. Warm-up runs in the background. */
  listen(options?: ListenOptions): Promise<{ url: string }>;
  /** Resolves once warm-up is done (what `/ready` reports). */
  ready(): Promise<void>;
  /**
   * Stops accepting connections, lets in-flight requests finish, then closes. Does not dispose
   * the reranker or the cascade (the caller owns them).
   */
  close(): Promise<void>;
}

/** The header that carries a request's latency budget, in milliseconds. */
export const deadlineHeader = 'x-sieve-deadline-ms';

/** Set to `true` on a response whose ranking the deadline cut short. */
export const deadlineExceededHeader = 'x-sieve-deadline-exceeded';

interface RerankInput {
  query: string;
  texts: readonly string[];
  truncate: boolean;
  maxTextTokens: number | undefined;
  sigmoid: boolean;
  deadline: number | undefined;
  abortSignal: AbortSignal;
  /** The request field that holds the texts, for error paths (`texts`, `documents`). */
  field: string;
}

interface Ranked {
  index: number;
  score: number | null;
}

const component = 'server';

/**
 * Creates Sieve's HTTP server (Fastify): `POST /rerank` (text-embeddings-inference shape),
 * `POST /v1/rerank` and `/v2/rerank` (Cohere shape), `POST /search` (the cascade), `GET /health`,
 * `/ready`, `/metrics` (Prometheus), `/info` and `/openapi.json`. Pairs of concurrent rerank
 * requests share scoring calls (cross-request batching) through a bounded queue: when it is full
 * requests get `429` with `Retry-After`. Settings are validated here (`InvalidConfigError`).
 *
 * @example
 * ```ts
 * const reranker = await createCrossEncoder({ model: 'Xenova/ms-marco-MiniLM-L-6-v2' });
 * const server = createServer({ reranker });
 * const { url } = await server.listen({ port: 8080 });
 * // curl -s $url/rerank -H 'content-type: application/json' -d '{"query":"q","texts":["a","b"]}'
 * await server.close();
 * await reranker.dispose();
 * ```
 */
export function createServer(settings: ServerSettings): SieveServer {
  const resolved: ResolvedServerSettings = parseSettings(serverSettingsSchema, settings, {
    component,
  });
  const { reranker, cascade } = resolved;
  const batcher: PairBatcher | undefined = reranker
    ? createPairBatcher({
        scorer: reranker,
        crossRequest: resolved.batching.crossRequest,
        maxPairs: resolved.batching.maxPairs,
        maxWaitMs: resolved.batching.maxWaitMs,
        concurrency: resolved.batching.concurrency ?? reranker.execution?.workers ?? 2,
        maxQueuedPairs: resolved.batching.maxQueuedPairs,
      })
    : undefined;
  const metrics = createServerMetrics();
  const openApi = buildOpenApiDocument({
    rerank: reranker !== undefined,
    search: cascade !== undefined,
  });
  let warm = false;
  let warming: Promise<void> | undefined;
  let closing = false;

  const app = Fastify({
    logger: resolved.logger,
    bodyLimit: resolved.bodyLimitBytes,
    // Node's own default, which Fastify turns off: a client that sends its request slower than
    // this (a slowloris) is cut instead of holding a socket forever.
    requestTimeout: 300_000,
    // Idle keep-alive sockets close on close(); in-flight requests finish first.
    forceCloseConnections: 'idle',
    // Requests that arrive while closing get Sieve's own 503 body (the onRequest hook below).
    return503OnClosing: false,
  });

  // JSON only: a text/plain body (Fastify parses it by default) is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');

  // A response sent while closing ends its keep-alive connection, so close() does not wait for
  // the client's idle timeout after the last in-flight request.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  const publicRoutes = new Set(['/health', '/ready', '/metrics']);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (resolved.apiKey !== undefined && !publicRoutes.has(path)) {
      const given = request.headers.authorization;
      if (!safeEqual(given ?? '', `Bearer ${resolved.apiKey}`)) {
        return sendError(
          reply,
          new HttpError({
            status: 401,
            code: 'unauthorized',
            errorType: 'Unauthorized',
            message:
              given === undefined
                ? 'send the API key as Authorization: Bearer <key>'
                : 'the API key is wrong',
          }),
        );
      }
    }
    if (closing) {
      return sendError(
        reply,
        new HttpError({
          status: 503,
          code: 'shutting_down',
          errorType: 'Unhealthy',
          message: 'the server is shutting down; retry on another replica',
          retryAfterSeconds: 1,
        }),
      );
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    const httpError = fastifyError(error) ?? toHttpError(error);
    // The client is gone: its queued pairs were dropped, nothing to answer or to log. Its socket
    // is closed, so no onResponse follows: count it here, as 499 (nginx's "client closed request").
    if (httpError.code === 'client_closed') {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observe(route, request.method, 499, reply.elapsedTime / 1000);
      return reply.code(499).send();
    }
    if (httpError.status >= 500 && httpError.code === 'internal') {
      request.log.error(error);
      if (!resolved.logger) console.error('[sieve serve]', error);
    }
    return sendError(reply, httpError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new HttpError({
        status: 404,
        code: 'not_found',
        errorType: 'NotFound',
        message: `no route ${request.method} ${request.url}; GET /openapi.json lists the routes`,
      }),
    ),
  );

  const requireReranker = (): void => {
    if (reranker === undefined || batcher === undefined) {
      throw new HttpError({
        status: 404,
        code: 'not_configured',
        errorType: 'NotFound',
        message: 'this server has no reranker: start it with a config whose stages name one',
      });
    }
  };

  /** Scores texts against the query through the batcher and ranks them, best first. */
  const rerank = async (input: RerankInput): Promise<{ ranked: Ranked[]; complete: boolean }> => {
    requireReranker();
    // An empty query or no texts never get here: the wire schemas refuse them (validationError).
    if (input.texts.length > resolved.maxClientBatchSize) {
      // TEI answers 413 for more texts than its client batch limit; Cohere-shaped routes 422.
      throw new HttpError({
        status: input.field === 'texts' ? 413 : 422,
        code: 'too_many_documents',
        errorType: 'Validation',
        message: `batch size ${input.texts.length} > maximum allowed batch size ${resolved.maxClientBatchSize} (${input.field}; GET /info); split the request`,
        path: input.field,
      });
    }
    const pairs: ScoredPair[] = input.texts.map((text) => ({
      query: input.query,
      text,
      ...(input.maxTextTokens === undefined ? {} : { maxTextTokens: input.maxTextTokens }),
    }));
    if (!input.truncate) {
      const counts = await reranker!.countPairTokens({ pairs });
      const over = counts.findIndex((count) => count > reranker!.maxLength);
      if (over !== -1) {
        throw new HttpError({
          status: 413,
          code: 'input_too_long',
          errorType: 'Validation',
          message: `Input validation error: \`inputs\` must have less than ${reranker!.maxLength} tokens. Given: ${counts[over]} (${input.field}.${over}: query and text together); shorten it or send truncate: true`,
          path: `${input.field}.${over}`,
        });
      }
    }
    const { scores, complete } = await batcher!.score({
      pairs,
      abortSignal: input.abortSignal,
      ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
    });
    const ranked: Ranked[] = scores.map((score, index) => ({
      index,
      score: score === undefined ? null : input.sigmoid ? 1 / (1 + Math.exp(-score)) : score,
    }));
    // Scored texts best first; what the deadline left unscored follows in input order.
    ranked.sort((a, b) =>
      a.score === null || b.score === null
        ? (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || a.index - b.index
        : b.score - a.score || a.index - b.index,
    );
    return { ranked, complete };
  };

  app.post('/rerank', async (request, reply) => {
    const body = parseBody(teiRerankRequestSchema, request);
    const { ranked, complete } = await rerank({
      query: body.query,
      texts: body.texts,
      truncate: body.truncate ?? resolved.autoTruncate,
      maxTextTokens: undefined,
      sigmoid: body.raw_scores === undefined ? resolved.scores === 'sigmoid' : !body.raw_scores,
      deadline: deadlineOf(request, body.deadlineMs),
      abortSignal: abortSignalOf(reply),
      field: 'texts',
    });
    markDeadline(reply, complete);
    return ranked.map(({ index, score }) => ({
      index,
      score,
      ...(body.return_text ? { text: body.texts[index] } : {}),
    }));
  });

  const cohereRoute =
    (version: '1' | '2') => async (request: FastifyRequest, reply: FastifyReply) => {
      const body = parseBody(
        version === '1' ? cohereV1RerankRequestSchema : cohereV2RerankRequestSchema,
        request,
      );
      const texts = body.documents.map((document) =>
        typeof document === 'string' ? document : document.text,
      );
      const { ranked, complete } = await rerank({
        query: body.query,
        texts,
        truncate: true,
        maxTextTokens: body.max_tokens_per_doc,
        sigmoid: resolved.scores === 'sigmoid',
        deadline: deadlineOf(request, body.deadlineMs),
        abortSignal: abortSignalOf(reply),
        field: 'documents',
      });
      markDeadline(reply, complete);
      const top = body.top_n === undefined ? ranked : ranked.slice(0, body.top_n);
      return {
        id: randomUUID(),
        results: top.map(({ index, score }) => ({
          index,
          relevance_score: score,
          ...(body.return_documents ? { document: { text: texts[index]! } } : {}),
        })),
        meta: {
          api_version: { version },
          billed_units: { search_units: 1 },
          ...(complete
            ? {}
            : { warnings: ['deadline passed: unscored documents follow in input order'] }),
        },
      };
    };
  app.post('/v1/rerank', cohereRoute('1'));
  app.post('/v2/rerank', cohereRoute('2'));

  app.post('/search', async (request, reply) => {
    if (cascade === undefined) {
      throw new HttpError({
        status: 404,
        code: 'not_configured',
        errorType: 'NotFound',
        message: 'this server has no index: start it with a corpus (sieve serve --corpus DIR)',
      });
    }
    const body = parseBody(searchRequestSchema, request);
    const deadline = deadlineOf(request, body.deadlineMs);
    const result: CascadeResult = await cascade.search({
      query: body.query,
      ...(body.topK === undefined ? {} : { topK: body.topK }),
      ...(body.retrievalTopK === undefined ? {} : { retrievalTopK: body.retrievalTopK }),
      ...(deadline === undefined
        ? {}
        : { deadlineMs: Math.max(1, deadline - performance.now()), onDeadline: 'return' as const }),
      abortSignal: abortSignalOf(reply),
    });
    const deadlineExceeded = result.warnings.some((warning) => warning.type === 'deadline');
    markDeadline(reply, !deadlineExceeded);
    return {
      query: result.query,
      results: result.candidates.map((candidate) => ({
        rank: candidate.rank,
        id: candidate.id,
        score: candidate.score,
        stageId: candidate.stageId,
        scores: candidate.scores,
        ...(candidate.document?.title ? { title: candidate.document.title } : {}),
        ...(body.includeText && candidate.document ? { text: candidate.document.text } : {}),
      })),
      reports: result.reports,
      warnings: result.warnings,
      deadlineExceeded,
      totalMs: result.totalMs,
    };
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    if (closing || !warm) {
      reply.code(503);
      return { ready: false, reason: closing ? 'shutting down' : 'warming up' };
    }
    return { ready: true };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    const http = metrics.format(batcher?.stats());
    return cascade ? `${http}${formatPrometheus(cascade.stats())}` : http;
  });

  app.get('/info', async () => ({
    ...(reranker
      ? {
          // TEI's /info fields, for clients that read them.
          model_id: reranker.modelId,
          model_type: { reranker: {} },
          ...(reranker.dtype ? { model_dtype: reranker.dtype } : {}),
          auto_truncate: resolved.autoTruncate,
          reranker: {
            modelId: reranker.modelId,
            maxLength: reranker.maxLength,
            ...(reranker.dtype ? { dtype: reranker.dtype } : {}),
            ...(reranker.provider ? { provider: reranker.provider } : {}),
            ...(reranker.execution ? { execution: reranker.execution } : {}),
          },
          max_client_batch_size: resolved.maxClientBatchSize,
          max_input_length: reranker.maxLength,
        }
      : {}),
    search: cascade !== undefined,
    limits: {
      maxClientBatchSize: resolved.maxClientBatchSize,
      bodyLimitBytes: resolved.bodyLimitBytes,
      maxQueuedPairs: resolved.batching.maxQueuedPairs,
    },
    batching: {
      ...resolved.batching,
      concurrency: resolved.batching.concurrency ?? reranker?.execution?.workers ?? 2,
    },
    scores: resolved.scores,
    autoTruncate: resolved.autoTruncate,
    versions: resolved.versions,
  }));

  app.get('/openapi.json', async () => openApi);

  const warmUp = async (): Promise<void> => {
    try {
      if (reranker) await reranker.scorePairs({ pairs: [{ query: 'warm up', text: 'warm up' }] });
      if (cascade) await cascade.search({ query: 'warm up' });
      // Warm-up calls are not traffic.
      cascade?.resetStats();
      warm = true;
    } catch (error) {
      console.error('[sieve serve] warm-up failed; /ready stays 503:', error);
    }
  };

  return {
    async listen(options = {}) {
      const address = await app.listen({
        port: options.port ?? 8080,
        host: options.host ?? '127.0.0.1',
      });
      warming = resolved.warmUp
        ? warmUp()
        : Promise.resolve().then(() => {
            warm = true;
          });
      return { url: address };
    },
    async ready() {
      await warming;
    },
    async close() {
      closing = true;
      await app.close();
      await batcher?.drain();
    },
  };
}

/** Compares secrets in constant time (a wrong key's length or prefix is not timed). */
function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Parses a JSON body with a wire schema; a failure is a 422 naming the field. */
function parseBody<Schema extends z.ZodType>(
  schema: Schema,
  request: FastifyRequest,
): z.output<Schema> {
  if (request.body === undefined || request.body === null) {
    throw new HttpError({
      status: 400,
      code: 'invalid_json',
      errorType: 'Validation',
      message: 'the request has no body: send a JSON object with Content-Type: application/json',
    });
  }
  const parsed = schema.safeParse(request.body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** The request's deadline (body field, else header) as an absolute `performance.now()` time. */
function deadlineOf(
  request: FastifyRequest,
  bodyDeadlineMs: number | undefined,
): number | undefined {
  let budget = bodyDeadlineMs;
  const header = request.headers[deadlineHeader];
  if (budget === undefined && header !== undefined) {
    budget = Number(Array.isArray(header) ? header[0] : header);
    if (!Number.isFinite(budget) || budget <= 0) {
      throw new HttpError({
        status: 422,
        code: 'validation',
        errorType: 'Validation',
        message: `${deadlineHeader}: must be a positive number of milliseconds, got '${header}'`,
        path: deadlineHeader,
      });
    }
  }
  return budget === undefined ? undefined : performance.now() + budget;
}

/** Aborts when the client goes away before the response is sent. */
function abortSignalOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished)
      controller.abort(
        new HttpError({
          status: 499,
          code: 'client_closed',
          errorType: 'Validation',
          message: 'the client closed the connection before the answer',
        }),
      );
  });
  return controller.signal;
}

function markDeadline(reply: FastifyReply, complete: boolean): void {
  if (!complete) reply.header(deadlineExceededHeader, 'true');
}

function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.body());
}

/** Fastify's own errors (body parsing, limits, content type) as {@link HttpError}s. */
function fastifyError(error: unknown): HttpError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  const message = (error as Error).message;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError({
        status: 413,
        code: 'body_too_large',
        errorType: 'Validation',
        message: `the request body is over the server's limit (GET /info: limits.bodyLimitBytes); send fewer or shorter texts`,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError({
        status: 415,
        code: 'unsupported_media_type',
        errorType: 'Validation',
        message: 'send the body as JSON with Content-Type: application/json',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError({
        status: 400,
        code: 'invalid_json',
        errorType: 'Validation',
        message: `the body is not valid JSON: ${message}`,
      });
    default: {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === undefined || status >= 500) return undefined;
      return new HttpError({
        status,
        code: status === 400 ? 'invalid_json' : 'validation',
        errorType: 'Validation',
        message,
      });
    }
  }
}
