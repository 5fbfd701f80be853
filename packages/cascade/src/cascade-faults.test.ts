import {
  DeadlineExceededError,
  InvalidConfigError,
  type RetrieverV1,
  type ScorerV1,
  type SieveDocument,
  StageError,
} from '@sieve/core';
import { MockRetrieverV1, MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { createCascade } from './index.js';

const corpus: SieveDocument[] = Array.from({ length: 20 }, (_, index) => ({
  id: `d${String(index).padStart(2, '0')}`,
  text: `document ${index} ${'x'.repeat(index)}`,
}));
const byId = new Map(corpus.map((document) => [document.id, document]));
const getDocuments = async (ids: readonly string[]) => ids.map((id) => byId.get(id));
const ids = (result: { candidates: { id: string }[] }) =>
  result.candidates.map((candidate) => candidate.id);

/** d19 first. */
const lexical = () =>
  new MockRetrieverV1({
    stageId: 'bm25',
    results: corpus.map((document, index) => ({ id: document.id, score: index })),
  });
/** Scores by text length: the same order as `lexical`, so "the best so far" is known. */
const prefilter = () =>
  new MockScorerV1({ stageId: 'prefilter', score: (_q, document) => document.text.length });

/** A scorer that never settles and ignores its signal; it records the signal it was given. */
function neverSettlingScorer(): ScorerV1 & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    specificationVersion: 'v1',
    stageId: 'rerank',
    modelId: 'hangs',
    signals,
    doScore({ abortSignal }) {
      if (abortSignal) signals.push(abortSignal);
      return new Promise(() => undefined);
    },
  };
}

/** A retriever that rejects with `message`. */
const failingRetriever = (stageId: string, message = 'index file is corrupt'): RetrieverV1 => ({
  specificationVersion: 'v1',
  stageId,
  doRetrieve: async () => {
    throw new Error(message);
  },
});

/** Timers alive in this process (the deadline timer of a finished call must be gone). */
const liveTimers = (): number =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

const DEADLINE_MS = 150;
/** Slack over the deadline for a loaded 2-core machine; a hang overshoots it by far. */
const MARGIN_MS = 750;

describe('cascade faults: a scorer that hangs', () => {
  it.each([
    ['never settles and ignores its signal', () => neverSettlingScorer()],
    [
      'waits "forever" (MockScorerV1 delayMs 1e9, abortable)',
      () => new MockScorerV1({ stageId: 'rerank', delayMs: 1e9 }),
    ],
  ])(
    '%s: onDeadline return gives the best ranking so far, on time, with a deadline warning',
    async (_name, makeScorer) => {
      const scorer = makeScorer();
      const cascade = createCascade({
        retrievers: [lexical()],
        getDocuments,
        stages: [
          { scorer: prefilter(), topK: 10 },
          { scorer, topK: 5 },
        ],
        topK: 5,
        deadlineMs: DEADLINE_MS,
      });
      const timersBefore = liveTimers();
      const started = performance.now();
      const result = await cascade.search({ query: 'document' });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
      expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      // The hanging stage scored nothing: the prefilter's order stands.
      expect(ids(result)).toEqual(['d19', 'd18', 'd17', 'd16', 'd15']);
      expect(result.candidates.every((candidate) => candidate.stageId === 'prefilter')).toBe(true);
      expect(result.warnings).toContainEqual(
        expect.objectContaining({ type: 'deadline', stageId: 'rerank' }),
      );
      expect(result.reports.find((report) => report.stageId === 'rerank')).toMatchObject({
        stopReason: 'deadline',
        pairsScored: 0,
      });
      // The abort reached the scorer, and no timer of the call outlives it.
      const signal =
        scorer instanceof MockScorerV1 ? scorer.calls[0]?.abortSignal : scorer.signals[0];
      expect(signal?.aborted).toBe(true);
      expect(liveTimers()).toBeLessThanOrEqual(timersBefore);
    },
    5_000,
  );

  it('onDeadline throw: DeadlineExceededError naming the stage, on time', async () => {
    const scorer = neverSettlingScorer();
    const cascade = createCascade({
      retrievers: [lexical()],
      getDocuments,
      stages: [{ scorer, topK: 5 }],
      topK: 5,
      deadlineMs: DEADLINE_MS,
      onDeadline: 'throw',
    });
    const timersBefore = liveTimers();
    const started = performance.now();
    const error = await cascade.search({ query: 'document' }).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(DeadlineExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ stageId: 'rerank', deadlineMs: DEADLINE_MS });
    expect(scorer.signals[0]?.aborted).toBe(true);
    expect(liveTimers()).toBeLessThanOrEqual(timersBefore);
  }, 5_000);

  it('a hanging retriever beside a healthy one: the healthy one is fused on time', async () => {
    const hanging: RetrieverV1 = {
      specificationVersion: 'v1',
      stageId: 'dense',
      doRetrieve: () => new Promise(() => undefined),
    };
    const cascade = createCascade({
      retrievers: [lexical(), hanging],
      getDocuments,
      topK: 3,
      deadlineMs: DEADLINE_MS,
    });
    const started = performance.now();
    const result = await cascade.search({ query: 'document' });
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(ids(result)).toEqual(['d19', 'd18', 'd17']);
    expect(result.warnings.map((warning) => warning.type)).toEqual(
      expect.arrayContaining(['deadline', 'retriever-skipped']),
    );
    // The deadline had passed before the documents were fetched: the ranking stands without them.
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ type: 'deadline', stageId: 'documents' }),
    );
  }, 5_000);

  it('a document store that hangs: the fused ranking on time, or DeadlineExceededError', async () => {
    const settings = {
      retrievers: [lexical()],
      getDocuments: () => new Promise<never>(() => undefined),
      topK: 3,
      deadlineMs: DEADLINE_MS,
    };
    const started = performance.now();
    const result = await createCascade(settings).search({ query: 'document' });
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(ids(result)).toEqual(['d19', 'd18', 'd17']);
    expect(result.candidates.every((candidate) => candidate.document === undefined)).toBe(true);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ type: 'deadline', stageId: 'documents' }),
    );
    const error = await createCascade({ ...settings, onDeadline: 'throw' })
      .search({ query: 'document' })
      .catch((caught: unknown) => caught);
    expect(DeadlineExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ stageId: 'documents' });
  }, 5_000);
});

describe('cascade faults: a retriever that throws', () => {
  it('by default the call rejects with a StageError naming the retriever', async () => {
    for (const retrievers of [
      [failingRetriever('broken')],
      [lexical(), failingRetriever('broken')],
    ]) {
      const cascade = createCascade({ retrievers, getDocuments, topK: 3 });
      const error = await cascade.search({ query: 'document' }).catch((caught: unknown) => caught);
      expect(StageError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ stageId: 'broken' });
      expect((error as Error).message).toMatch(/retriever 'broken' failed: index file is corrupt/);
    }
  }, 5_000);

  it("retrievalFailures 'skip': the others are fused, with a retriever-skipped warning naming it", async () => {
    const healthy = lexical();
    const cascade = createCascade({
      retrievers: [failingRetriever('broken'), healthy],
      getDocuments,
      stages: [{ scorer: prefilter(), topK: 4 }],
      topK: 3,
      retrievalFailures: 'skip',
    });
    const alone = await createCascade({ retrievers: [lexical()], getDocuments, topK: 3 }).search({
      query: 'document',
    });
    const result = await cascade.search({ query: 'document' });
    expect(ids(result)).toEqual(ids(alone));
    expect(result.warnings).toEqual([
      {
        type: 'retriever-skipped',
        stageId: 'broken',
        message: expect.stringMatching(/'broken' failed \(index file is corrupt\)/),
      },
    ]);
    expect(
      result.retrieval?.every((candidate) => Object.keys(candidate.sources).join() === 'bm25'),
    ).toBe(true);
    // The next call tries the failed retriever again (nothing is remembered between calls).
    expect(healthy.calls).toHaveLength(1);
    await cascade.search({ query: 'document' });
    expect(healthy.calls).toHaveLength(2);
  }, 5_000);

  it("retrievalFailures 'skip' with every retriever failing: StageError, no empty ranking", async () => {
    const cascade = createCascade({
      retrievers: [
        failingRetriever('broken'),
        failingRetriever('also-broken', 'connection refused'),
      ],
      getDocuments,
      topK: 3,
      retrievalFailures: 'skip',
    });
    const error = await cascade.search({ query: 'document' }).catch((caught: unknown) => caught);
    expect(StageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ stageId: 'broken' });
  }, 5_000);

  it("retrievalFailures 'skip' does not swallow the caller's abort", async () => {
    const controller = new AbortController();
    const slow = new MockRetrieverV1({ stageId: 'slow', results: [], delayMs: 10_000 });
    const cascade = createCascade({
      retrievers: [slow, failingRetriever('broken')],
      getDocuments,
      retrievalFailures: 'skip',
    });
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 20);
    await expect(cascade.search({ query: 'q', abortSignal: controller.signal })).rejects.toBe(
      reason,
    );
  }, 5_000);

  it('retrievalFailures is validated', () => {
    expect(() =>
      createCascade({
        retrievers: [lexical()],
        // @ts-expect-error: not a valid value
        retrievalFailures: 'ignore',
      }),
    ).toThrow(InvalidConfigError);
  });
});
