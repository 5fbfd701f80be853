import { OverloadedError, type ScorerV1Result } from '@sieve/core';

/** A query-document pair as the batcher scores it. */
export interface ScoredPair {
  query: string;
  text: string;
  /** Cut the text to this many tokens before pairing (Cohere's `max_tokens_per_doc`). */
  maxTextTokens?: number;
}

/**
 * What the server scores pairs with: a cross-encoder that scores pairs of different queries in one
 * call (`CrossEncoder` of `@sieve/rerank` is one). Structural, so this package loads no model.
 */
export interface PairScorer {
  /** The model behind the scores. */
  readonly modelId: string;
  /** Longest pair in tokens, special tokens included; longer pairs are truncated. */
  readonly maxLength: number;
  /** Scores pairs that may belong to different queries, in input order. */
  scorePairs(options: {
    pairs: readonly ScoredPair[];
    abortSignal?: AbortSignal;
  }): PromiseLike<ScorerV1Result>;
  /** Tokens each pair takes before truncation; more than `maxLength` means it will be cut. */
  countPairTokens(options: { pairs: readonly ScoredPair[] }): PromiseLike<readonly number[]>;
}

/** Settings of {@link createPairBatcher}. */
export interface PairBatcherSettings {
  scorer: PairScorer;
  /**
   * Pool pairs of concurrent requests into shared scoring calls. With `false` each request is one
   * call of its own (the baseline the serve benchmark compares with). @default true
   */
  crossRequest?: boolean;
  /** Most pairs in one scoring call (the scorer cuts it into length-sorted ONNX batches). @default 128 */
  maxPairs?: number;
  /**
   * How long a free scoring slot waits for more pairs when fewer than `maxPairs` are queued,
   * measured from the arrival of the oldest queued pair. @default 2
   */
  maxWaitMs?: number;
  /** Scoring calls in flight at once (one per inference worker keeps every worker busy). @default 2 */
  concurrency?: number;
  /** Most pairs waiting or being scored; a request that would exceed it is refused. @default 8192 */
  maxQueuedPairs?: number;
}

/** What {@link PairBatcher.score} returns. */
export interface BatcherScores {
  /** One entry per input pair, in input order; `undefined` for a pair the deadline cut off. */
  scores: Array<number | undefined>;
  /** Whether every pair was scored (false only when the deadline passed first). */
  complete: boolean;
}

/** Counters of a {@link PairBatcher}, read by `/metrics`. */
export interface PairBatcherStats {
  /** Pairs waiting for a scoring call now. */
  queuedPairs: number;
  /** Scoring calls running now. */
  inFlight: number;
  /** Scoring calls made so far. */
  calls: number;
  /** Pairs sent to scoring calls so far. */
  pairs: number;
  /** ONNX batches the scorer ran, when it reports its timings. */
  onnxBatches: number;
  /** How many scoring calls had how many pairs: `[upper bound, calls]` per bucket. */
  callSizes: ReadonlyArray<readonly [number, number]>;
  /** Requests refused because the queue was full. */
  refused: number;
}

/** Options of one {@link PairBatcher.score} call. */
export interface PairBatcherCallOptions {
  pairs: readonly ScoredPair[];
  /** Absolute time (`performance.now()` clock) after which unscored pairs are given up. */
  deadline?: number;
  /** Cancels the request (the client went away): its queued pairs are dropped, it rejects. */
  abortSignal?: AbortSignal;
}

/** Scores pairs for concurrent requests through shared scoring calls. */
export interface PairBatcher {
  /**
   * Queues a request's pairs and resolves with their scores. Rejects with `OverloadedError` when
   * the queue is full (nothing was queued), with the scorer's error when its call failed.
   */
  score(options: PairBatcherCallOptions): Promise<BatcherScores>;
  stats(): PairBatcherStats;
  /** Resolves once nothing is queued or in flight (the server drains before it exits). */
  drain(): Promise<void>;
}

const callSizeBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, Number.POSITIVE_INFINITY];

interface Request {
  pairs: readonly ScoredPair[];
  scores: Array<number | undefined>;
  /** Pairs taken into scoring calls so far (a request's pairs are taken in order). */
  taken: number;
  /** Pairs whose scores came back. */
  done: number;
  settled: boolean;
  arrivedAt: number;
  resolve(result: BatcherScores): void;
  reject(error: unknown): void;
  cleanup(): void;
}

/**
 * The server's cross-request batcher, the way TEI and Infinity batch: pairs of concurrent
 * requests wait in one bounded FIFO queue; whenever a scoring slot is free it takes up to
 * `maxPairs` of them (waiting at most `maxWaitMs` for more when fewer are queued) and scores them
 * in one call, which the cross-encoder sorts by length and cuts into batches bounded by pairs and
 * padded tokens. Scores go back to each request in its own order.
 *
 * @example
 * ```ts
 * const batcher = createPairBatcher({ scorer: reranker, maxPairs: 128, maxWaitMs: 2 });
 * const { scores } = await batcher.score({ pairs: [{ query: 'aspirin', text: '...' }] });
 * ```
 */
export function createPairBatcher(settings: PairBatcherSettings): PairBatcher {
  const {
    scorer,
    crossRequest = true,
    maxPairs = 128,
    maxWaitMs = 2,
    concurrency = 2,
    maxQueuedPairs = 8192,
  } = settings;
  const queue: Request[] = [];
  let queuedPairs = 0;
  let pendingPairs = 0;
  let inFlight = 0;
  let waitTimer: NodeJS.Timeout | undefined;
  const counters = { calls: 0, pairs: 0, onnxBatches: 0, refused: 0 };
  const callSizes = callSizeBounds.map(() => 0);
  let drained: Array<() => void> = [];

  const settleDrain = (): void => {
    if (pendingPairs > 0 || inFlight > 0) return;
    const waiting = drained;
    drained = [];
    for (const resolve of waiting) resolve();
  };

  const finish = (request: Request): void => {
    if (request.settled) return;
    request.settled = true;
    request.cleanup();
    request.resolve({ scores: request.scores, complete: request.done === request.pairs.length });
  };

  const fail = (request: Request, error: unknown): void => {
    if (request.settled) return;
    request.settled = true;
    request.cleanup();
    request.reject(error);
  };

  /** Drops what is still queued of a request (deadline or abort). */
  const unqueue = (request: Request): void => {
    const index = queue.indexOf(request);
    if (index === -1) return;
    queue.splice(index, 1);
    const left = request.pairs.length - request.taken;
    queuedPairs -= left;
    pendingPairs -= left;
  };

  const runCall = (
    parts: Array<{ request: Request; from: number; to: number }>,
    pairs: ScoredPair[],
  ): void => {
    inFlight++;
    counters.calls++;
    counters.pairs += pairs.length;
    callSizes[callSizeBounds.findIndex((bound) => pairs.length <= bound)]!++;
    const release = (): void => {
      inFlight--;
      pendingPairs -= pairs.length;
      pump();
      settleDrain();
    };
    Promise.resolve(scorer.scorePairs({ pairs })).then(
      (result) => {
        counters.onnxBatches += result.timings?.batches ?? 0;
        let offset = 0;
        for (const { request, from, to } of parts) {
          for (let index = from; index < to; index++) {
            request.scores[index] = result.scores[offset++];
          }
          request.done += to - from;
          if (request.done === request.pairs.length) finish(request);
        }
        release();
      },
      (error: unknown) => {
        for (const { request } of parts) {
          unqueue(request);
          fail(request, error);
        }
        release();
      },
    );
  };

  /** Starts scoring calls while a slot is free and pairs are queued. */
  const pump = (): void => {
    while (inFlight < concurrency && queue.length > 0) {
      const waited = performance.now() - queue[0]!.arrivedAt;
      if (queuedPairs < maxPairs && waited < maxWaitMs) {
        if (waitTimer === undefined) {
          waitTimer = setTimeout(() => {
            waitTimer = undefined;
            pump();
          }, maxWaitMs - waited);
        }
        return;
      }
      const parts: Array<{ request: Request; from: number; to: number }> = [];
      const pairs: ScoredPair[] = [];
      while (pairs.length < maxPairs && queue.length > 0) {
        const request = queue[0]!;
        const from = request.taken;
        const to = Math.min(request.pairs.length, from + maxPairs - pairs.length);
        for (let index = from; index < to; index++) pairs.push(request.pairs[index]!);
        request.taken = to;
        queuedPairs -= to - from;
        parts.push({ request, from, to });
        if (to === request.pairs.length) queue.shift();
      }
      runCall(parts, pairs);
    }
    if (queue.length === 0 && waitTimer !== undefined) {
      clearTimeout(waitTimer);
      waitTimer = undefined;
    }
  };

  return {
    score({ pairs, deadline, abortSignal }) {
      abortSignal?.throwIfAborted();
      if (pendingPairs + pairs.length > maxQueuedPairs) {
        counters.refused++;
        return Promise.reject(
          new OverloadedError({
            component: 'server',
            message: `the scoring queue is full (${pendingPairs} pairs waiting or running, limit ${maxQueuedPairs}, this request has ${pairs.length}); retry later or add replicas`,
            retryAfterMs: 1000,
          }),
        );
      }
      return new Promise<BatcherScores>((resolve, reject) => {
        let deadlineTimer: NodeJS.Timeout | undefined;
        const request: Request = {
          pairs,
          scores: new Array<number | undefined>(pairs.length).fill(undefined),
          taken: 0,
          done: 0,
          settled: false,
          arrivedAt: performance.now(),
          resolve,
          reject,
          cleanup: () => {
            if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
            abortSignal?.removeEventListener('abort', onAbort);
          },
        };
        const onAbort = (): void => {
          unqueue(request);
          fail(request, abortSignal!.reason);
          settleDrain();
        };
        abortSignal?.addEventListener('abort', onAbort, { once: true });
        if (deadline !== undefined) {
          deadlineTimer = setTimeout(
            () => {
              unqueue(request);
              finish(request);
              settleDrain();
            },
            Math.max(0, deadline - performance.now()),
          );
        }
        pendingPairs += pairs.length;
        if (crossRequest) {
          queue.push(request);
          queuedPairs += pairs.length;
          pump();
        } else {
          // Baseline: the request is one scoring call of its own, started at once.
          request.taken = pairs.length;
          runCall([{ request, from: 0, to: pairs.length }], [...pairs]);
        }
      });
    },
    stats: () => ({
      queuedPairs,
      inFlight,
      ...counters,
      callSizes: callSizeBounds.map((bound, index) => [bound, callSizes[index]!] as const),
    }),
    drain: () =>
      new Promise<void>((resolve) => {
        drained.push(resolve);
        settleDrain();
      }),
  };
}
