import { OverloadedError, type ScorerV1Result, StageError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { createPairBatcher, type PairScorer, type ScoredPair } from './pair-batcher.js';

/** A scorer whose score is the text length (plus a query term), with a controllable delay. */
function lengthScorer(options: { delayMs?: number; fail?: () => boolean } = {}) {
  const calls: number[] = [];
  const scorer: PairScorer = {
    modelId: 'length',
    maxLength: 512,
    async scorePairs({ pairs }): Promise<ScorerV1Result> {
      calls.push(pairs.length);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.fail?.()) {
        throw new StageError({ component: 'test', stageId: 'length', message: 'worker crashed' });
      }
      return {
        scores: pairs.map((pair) => pair.text.length + pair.query.length / 100),
        timings: undefined,
      };
    },
    async countPairTokens({ pairs }) {
      return pairs.map((pair) => pair.text.length);
    },
  };
  return { scorer, calls };
}

const pairs = (query: string, count: number): ScoredPair[] =>
  Array.from({ length: count }, (_, index) => ({ query, text: 'x'.repeat(index + 1) }));

const expected = (list: ScoredPair[]): number[] =>
  list.map((pair) => pair.text.length + pair.query.length / 100);

describe('createPairBatcher', () => {
  it('pools concurrent requests into shared calls and gives each its own scores in order', async () => {
    const { scorer, calls } = lengthScorer({ delayMs: 5 });
    const batcher = createPairBatcher({ scorer, maxPairs: 64, maxWaitMs: 5, concurrency: 1 });
    const requests = Array.from({ length: 8 }, (_, index) => pairs(`q${index}`, 10 + index));
    const results = await Promise.all(requests.map((list) => batcher.score({ pairs: list })));
    results.forEach((result, index) => {
      expect(result.complete).toBe(true);
      expect(result.scores).toEqual(expected(requests[index]!));
    });
    // 108 pairs in calls of at most 64: fewer calls than requests.
    expect(calls.every((size) => size <= 64)).toBe(true);
    expect(calls.reduce((sum, size) => sum + size, 0)).toBe(108);
    expect(calls.length).toBeLessThan(8);
    expect(batcher.stats()).toMatchObject({ calls: calls.length, pairs: 108, queuedPairs: 0 });
  });

  it('splits a request larger than maxPairs across calls', async () => {
    const { scorer, calls } = lengthScorer();
    const batcher = createPairBatcher({ scorer, maxPairs: 16, maxWaitMs: 0, concurrency: 2 });
    const list = pairs('q', 50);
    const result = await batcher.score({ pairs: list });
    expect(result.scores).toEqual(expected(list));
    expect(calls).toEqual([16, 16, 16, 2]);
  });

  it('without cross-request batching makes one call per request', async () => {
    const { scorer, calls } = lengthScorer({ delayMs: 2 });
    const batcher = createPairBatcher({ scorer, crossRequest: false });
    await Promise.all([
      batcher.score({ pairs: pairs('a', 3) }),
      batcher.score({ pairs: pairs('b', 4) }),
    ]);
    expect(calls.sort()).toEqual([3, 4]);
  });

  it('refuses a request over the queue limit with OverloadedError, queuing nothing', async () => {
    const { scorer } = lengthScorer({ delayMs: 20 });
    const batcher = createPairBatcher({ scorer, maxQueuedPairs: 10, maxWaitMs: 0, concurrency: 1 });
    const first = batcher.score({ pairs: pairs('a', 8) });
    const refused = await batcher.score({ pairs: pairs('b', 3) }).catch((error: unknown) => error);
    expect(OverloadedError.isInstance(refused)).toBe(true);
    expect((refused as OverloadedError).retryAfterMs).toBeGreaterThan(0);
    expect(batcher.stats().refused).toBe(1);
    await expect(first).resolves.toMatchObject({ complete: true });
    // Once drained, the same request fits.
    await expect(batcher.score({ pairs: pairs('b', 3) })).resolves.toMatchObject({
      complete: true,
    });
  });

  it('at the deadline resolves with the scores it has, and drops what is still queued', async () => {
    const { scorer, calls } = lengthScorer({ delayMs: 30 });
    const batcher = createPairBatcher({ scorer, maxPairs: 4, maxWaitMs: 0, concurrency: 1 });
    const list = pairs('q', 12);
    const result = await batcher.score({ pairs: list, deadline: performance.now() + 45 });
    expect(result.complete).toBe(false);
    expect(result.scores.slice(0, 4)).toEqual(expected(list).slice(0, 4));
    expect(result.scores.filter((score) => score === undefined).length).toBeGreaterThanOrEqual(4);
    await batcher.drain();
    expect(batcher.stats().queuedPairs).toBe(0);
    expect(calls.length).toBeLessThan(3);
  });

  it('an aborted request rejects with the reason and leaves the queue', async () => {
    const { scorer } = lengthScorer({ delayMs: 20 });
    const batcher = createPairBatcher({ scorer, maxPairs: 4, maxWaitMs: 0, concurrency: 1 });
    const blocker = batcher.score({ pairs: pairs('a', 4) });
    const controller = new AbortController();
    const aborted = batcher.score({ pairs: pairs('b', 6), abortSignal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    expect(batcher.stats().queuedPairs).toBe(0);
    await expect(blocker).resolves.toMatchObject({ complete: true });
  });

  it('a failed call fails the requests in it; later requests succeed', async () => {
    let failNext = true;
    const { scorer } = lengthScorer({
      fail: () => {
        const fail = failNext;
        failNext = false;
        return fail;
      },
    });
    const batcher = createPairBatcher({ scorer, maxWaitMs: 0 });
    await expect(batcher.score({ pairs: pairs('a', 2) })).rejects.toThrow('worker crashed');
    await expect(batcher.score({ pairs: pairs('a', 2) })).resolves.toMatchObject({
      complete: true,
    });
  });

  it('drain() waits for queued and running work', async () => {
    const { scorer } = lengthScorer({ delayMs: 10 });
    const batcher = createPairBatcher({ scorer, maxPairs: 2, maxWaitMs: 0, concurrency: 1 });
    let settled = 0;
    for (let index = 0; index < 3; index++) {
      void batcher.score({ pairs: pairs('q', 2) }).then(() => settled++);
    }
    await batcher.drain();
    expect(settled).toBe(3);
    expect(batcher.stats()).toMatchObject({ inFlight: 0, queuedPairs: 0 });
  });
});
