import { cascadeSchema } from '@sieve/cascade';
import { z } from 'zod';
import type { PairScorer } from './pair-batcher.js';

/**
 * The reranker a server serves: a {@link PairScorer}, with what `/info` reports when it has it
 * (Sieve's `CrossEncoder` has all of it).
 */
export interface ServedReranker extends PairScorer {
  /** Weights actually loaded (`fp32`, `int8`, ...). */
  readonly dtype?: string;
  /** The execution provider that runs (`cpu`, `cuda`). */
  readonly provider?: string;
  /** Worker layout. */
  readonly execution?: { mode: string; workers: number; intraOpThreads: number };
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

/** Schema of {@link ServerSettings}. */
export const serverSettingsSchema = z
  .strictObject({
    /** Serves `/rerank`, `/v1/rerank`, `/v2/rerank`. Without it those routes answer 404. */
    reranker: z
      .custom<ServedReranker>(
        (value) =>
          isObject(value) &&
          typeof (value as PairScorer).scorePairs === 'function' &&
          typeof (value as PairScorer).countPairTokens === 'function',
        'pass a reranker with scorePairs() and countPairTokens(), e.g. createCrossEncoder() of @sieve/rerank',
      )
      .optional(),
    /** Serves `/search`. Without it `/search` answers 404. */
    cascade: cascadeSchema.optional(),
    /**
     * Cut over-long inputs when a TEI request does not say (`truncate` absent). TEI's own default
     * is to refuse them; Sieve cuts, as Cohere does.
     * @default true
     */
    autoTruncate: z.boolean().default(true),
    /**
     * Scores when a request does not ask: `raw` logits (what ms-marco cross-encoders were trained
     * to output) or `sigmoid` probabilities (TEI's default, `raw_scores: false`).
     * @default 'raw'
     */
    scores: z.enum(['raw', 'sigmoid']).default('raw'),
    /** Most texts (TEI, 413 over it) or documents (Cohere, 422 over it) per request. @default 1000 */
    maxClientBatchSize: z.number().int().positive().default(1000),
    /** Largest request body in bytes (413 over it). @default 8 MiB */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** Cross-request batching of the reranker (see `createPairBatcher`). */
    batching: z
      .strictObject({
        /** Pool the pairs of concurrent requests into shared scoring calls. @default true */
        crossRequest: z.boolean().default(true),
        /** Most pairs in one scoring call. @default 128 */
        maxPairs: z.number().int().positive().default(128),
        /** Longest wait for more pairs when fewer than `maxPairs` are queued. @default 2 */
        maxWaitMs: z.number().min(0).max(1000).default(2),
        /** Scoring calls in flight at once. @default the reranker's worker count, else 2 */
        concurrency: z.number().int().positive().optional(),
        /** Most pairs queued or being scored before requests get 429. @default 8192 */
        maxQueuedPairs: z.number().int().positive().default(8192),
      })
      .prefault({}),
    /**
     * Require `Authorization: Bearer <apiKey>` on every route but `/health`, `/ready` and
     * `/metrics` (as TEI's `--api-key`); a missing or wrong key is a 401. Cohere clients always
     * send one. @default none: no key needed
     */
    apiKey: z.string().min(1).optional(),
    /** Score one pair (and run one search) before `/ready` says ready. @default true */
    warmUp: z.boolean().default(true),
    /** Versions `/info` reports (the CLI passes Sieve's, Node's, ONNX Runtime's). */
    versions: z.record(z.string(), z.string()).default({}),
    /** Log requests as JSON lines on stdout (Fastify's pino logger). @default false */
    logger: z.boolean().default(false),
  })
  .refine((settings) => settings.reranker !== undefined || settings.cascade !== undefined, {
    message: 'pass a reranker, a cascade, or both: the server would have nothing to serve',
  });

/** Settings of `createServer`. */
export type ServerSettings = z.input<typeof serverSettingsSchema>;

/** {@link ServerSettings} after validation and defaults. */
export type ResolvedServerSettings = z.output<typeof serverSettingsSchema>;
