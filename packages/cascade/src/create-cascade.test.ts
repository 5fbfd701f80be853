import {
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidConfigError,
  type SieveDocument,
  StageError,
} from '@sieve/core';
import { MockRetrieverV1, MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it, vi } from 'vitest';
import {
  type CascadeEvent,
  createCascade,
  fixedDepth,
  patience,
  type ScoringReport,
} from './index.js';

const corpus: SieveDocument[] = Array.from({ length: 40 }, (_, index) => ({
  id: `d${String(index).padStart(2, '0')}`,
  text: `document ${index} ${'x'.repeat(index)}`,
  metadata: { index },
}));
const byId = new Map(corpus.map((document) => [document.id, document]));
const getDocuments = async (ids: readonly string[]) => ids.map((id) => byId.get(id));

/** Retriever ranking documents by id descending: d39 first. */
const lexical = () =>
  new MockRetrieverV1({
    stageId: 'bm25',
    results: corpus.map((document, index) => ({ id: document.id, score: index })),
  });
/** Prefilter: text length. Reranker: the document number modulo 7 (disagrees with the others). */
const prefilter = (settings: Partial<ConstructorParameters<typeof MockScorerV1>[0]> = {}) =>
  new MockScorerV1({
    stageId: 'prefilter',
    score: (_q, document) => document.text.length,
    tokensPerPair: 3,
    ...settings,
  });
const reranker = (settings: Partial<ConstructorParameters<typeof MockScorerV1>[0]> = {}) =>
  new MockScorerV1({
    stageId: 'rerank',
    score: (_q, document) => Number(document.id.slice(1)) % 7,
    ...settings,
  });

const ids = (result: { candidates: { id: string }[] }) =>
  result.candidates.map((candidate) => candidate.id);

describe('createCascade: composition', () => {
  it('retrieval only returns the fused ranking with documents attached', async () => {
    const cascade = createCascade({ retrievers: lexical(), getDocuments, topK: 3 });
    const result = await cascade.search({ query: 'anything' });
    expect(ids(result)).toEqual(['d39', 'd38', 'd37']);
    // A single retriever is not fused: its own score is kept.
    expect(result.candidates[0]).toMatchObject({
      rank: 0,
      score: 39,
      stageId: 'retrieval',
      scores: { bm25: 39 },
    });
    expect(result.candidates[0]!.document).toBe(byId.get('d39'));
    expect(result.reports.map((report) => report.stageId)).toEqual(['bm25']);
  });

  it('prefilter then rerank: each stage narrows and re-orders, reports count pairs', async () => {
    const first = prefilter();
    const second = reranker();
    const cascade = createCascade({
      retrievers: [lexical()],
      getDocuments,
      retrievalTopK: 20,
      stages: [
        { scorer: first, topK: 10 },
        { scorer: second, topK: 4 },
      ],
      topK: 3,
    });
    const result = await cascade.search({ query: 'q' });
    // prefilter keeps d30..d39 (longest texts); rerank by number % 7 with ties in prefilter order.
    expect(ids(result)).toEqual(['d34', 'd33', 'd39']);
    expect(result.candidates[0]!.scores).toMatchObject({ rerank: 6, prefilter: 46, bm25: 34 });
    const [retrieval, stage1, stage2] = result.reports;
    expect(retrieval).toMatchObject({ kind: 'retrieval', outputCount: 20 });
    expect(stage1).toMatchObject({
      stageId: 'prefilter',
      inputCount: 20,
      outputCount: 10,
      pairsScored: 20,
      pairsSkipped: 0,
      batches: 1,
      tokens: 60,
      stopReason: 'complete',
    });
    expect(stage2).toMatchObject({
      stageId: 'rerank',
      inputCount: 10,
      outputCount: 4,
      pairsScored: 10,
      stopReason: 'complete',
    });
    expect(first.pairsScored).toBe(20);
    expect(second.pairsScored).toBe(10);
    expect((stage1 as ScoringReport).pairsPerSecond).toBeGreaterThan(0);
  });

  it('reranks caller candidates without retrievers, and never mutates them', async () => {
    const cascade = createCascade({ stages: [{ scorer: reranker(), topK: 2 }] });
    const candidates = corpus.slice(0, 5).map((document) => ({ ...document }));
    const snapshot = structuredClone(candidates);
    const result = await cascade.search({ query: 'q', candidates });
    expect(ids(result)).toEqual(['d04', 'd03']);
    expect(candidates).toEqual(snapshot);
  });

  it('fuses several retrievers with RRF or weighted scores', async () => {
    const reversed = new MockRetrieverV1({
      stageId: 'dense',
      results: corpus.map((document, index) => ({ id: document.id, score: -index })),
    });
    const rrf = createCascade({ retrievers: [lexical(), reversed], topK: 40 });
    const fused = await rrf.search({ query: 'q' });
    expect(fused.candidates).toHaveLength(40);
    expect(new Set(ids(fused)).size).toBe(40);
    const weighted = createCascade({
      retrievers: [
        { retriever: lexical(), weight: 3 },
        { retriever: reversed, weight: 1 },
      ],
      fusion: 'weighted',
      topK: 1,
    });
    expect(ids(await weighted.search({ query: 'q' }))).toEqual(['d39']);
  });

  it('gives an empty result for an empty corpus', async () => {
    const cascade = createCascade({
      retrievers: new MockRetrieverV1({ results: [] }),
      getDocuments,
      stages: [{ scorer: reranker(), topK: 3 }],
    });
    const result = await cascade.search({ query: 'q' });
    expect(result.candidates).toEqual([]);
    expect(result.reports[1]).toMatchObject({ pairsScored: 0, inputCount: 0 });
  });

  it('orders ties deterministically (previous-stage order)', async () => {
    const flat = new MockScorerV1({ stageId: 'flat', score: () => 1 });
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: flat, topK: 5 }],
      topK: 5,
    });
    const first = ids(await cascade.search({ query: 'q' }));
    expect(first).toEqual(['d39', 'd38', 'd37', 'd36', 'd35']);
    expect(ids(await cascade.search({ query: 'q' }))).toEqual(first);
  });

  it('drops ids the document store does not know, with a warning', async () => {
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments: async (requested) =>
        requested.map((id) => (id === 'd39' ? undefined : byId.get(id))),
      stages: [{ scorer: prefilter(), topK: 2 }],
    });
    const result = await cascade.search({ query: 'q' });
    expect(ids(result)).toEqual(['d38', 'd37']);
    expect(result.warnings[0]).toMatchObject({ type: 'missing-document' });
  });
});

describe('createCascade: pruning', () => {
  it('progressive stages score in batches and report pairs saved', async () => {
    const scorer = reranker();
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      retrievalTopK: 40,
      stages: [{ scorer, topK: 5, batchSize: 4, prune: fixedDepth(10) }],
    });
    const result = await cascade.search({ query: 'q' });
    expect(result.reports[1]).toMatchObject({
      pairsScored: 10,
      pairsSkipped: 30,
      batches: 3,
      stopReason: 'pruned',
      prunedBy: 'fixedDepth(10)',
    });
    expect(scorer.calls.map((call) => call.documents.length)).toEqual([4, 4, 2]);
  });

  it('patience stops a stage whose top-k settles', async () => {
    const descending = new MockScorerV1({
      stageId: 'desc',
      score: (_q, document) => Number(document.id.slice(1)),
    });
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: descending, topK: 3, batchSize: 3, prune: patience(1) }],
    });
    const result = await cascade.search({ query: 'q' });
    expect(result.reports[1]).toMatchObject({
      pairsScored: 6,
      pairsSkipped: 34,
      prunedBy: 'patience(1)',
    });
    expect(ids(result)).toEqual(['d39', 'd38', 'd37']);
  });

  it('keeps several batches in flight with concurrency', async () => {
    const scorer = reranker({ delayMs: 5 });
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer, topK: 5, batchSize: 5, concurrency: 4 }],
    });
    const events: CascadeEvent[] = [];
    cascade.on('batch-end', (event) => events.push(event));
    const result = await cascade.search({ query: 'q' });
    expect(result.reports[1]).toMatchObject({ pairsScored: 40, batches: 8 });
    expect(events.map((event) => (event.type === 'batch-end' ? event.batchIndex : -1))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });
});

describe('createCascade: deadline and abort', () => {
  it('returns the best ranking so far with a warning when the deadline passes mid-stage', async () => {
    const slow = reranker({ delayMs: 40 });
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [
        { scorer: prefilter(), topK: 20 },
        { scorer: slow, topK: 10, batchSize: 5 },
        { scorer: new MockScorerV1({ stageId: 'never' }), topK: 5 },
      ],
      topK: 5,
    });
    const result = await cascade.search({ query: 'q', deadlineMs: 60 });
    const [, , rerank, never] = result.reports;
    expect(rerank).toMatchObject({ stopReason: 'deadline', pairsScored: 5 });
    expect(never).toMatchObject({ stopReason: 'deadline', pairsScored: 0 });
    expect(result.warnings.some((warning) => warning.type === 'deadline')).toBe(true);
    // Scored candidates first by rerank score, then the rest in prefilter order.
    expect(result.candidates).toHaveLength(5);
    expect(result.candidates.slice(0, 5).every((candidate) => candidate.stageId === 'rerank')).toBe(
      true,
    );
    expect(slow.calls[1]?.abortSignal?.aborted).toBe(true);
  });

  it("throws DeadlineExceededError with onDeadline: 'throw'", async () => {
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: reranker({ delayMs: 50 }), topK: 3 }],
    });
    const error = await cascade
      .search({ query: 'q', deadlineMs: 10, onDeadline: 'throw' })
      .catch((caught: unknown) => caught);
    expect(DeadlineExceededError.isInstance(error)).toBe(true);
    expect((error as DeadlineExceededError).stageId).toBe('rerank');
  });

  it('uses the retrievers that answered before the deadline, or throws when none did', async () => {
    const slowRetriever = new MockRetrieverV1({
      stageId: 'slow',
      delayMs: 200,
      results: [{ id: 'd01', score: 1 }],
    });
    const cascade = createCascade({ retrievers: [lexical(), slowRetriever], topK: 2 });
    const result = await cascade.search({ query: 'q', deadlineMs: 30 });
    expect(ids(result)).toEqual(['d39', 'd38']);
    expect(result.warnings.map((warning) => warning.type)).toContain('retriever-skipped');
    const onlySlow = createCascade({ retrievers: [slowRetriever] });
    await expect(onlySlow.search({ query: 'q', deadlineMs: 20 })).rejects.toSatisfy(
      DeadlineExceededError.isInstance,
    );
  });

  it('rejects with the abort reason, before or during the call', async () => {
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: reranker({ delayMs: 100 }), topK: 3 }],
    });
    const before = new AbortController();
    before.abort(new Error('cancelled early'));
    await expect(cascade.search({ query: 'q', abortSignal: before.signal })).rejects.toThrow(
      'cancelled early',
    );
    const during = new AbortController();
    setTimeout(() => during.abort(new Error('cancelled late')), 20);
    await expect(cascade.search({ query: 'q', abortSignal: during.signal })).rejects.toThrow(
      'cancelled late',
    );
  });
});

describe('createCascade: concurrency, stats and events', () => {
  it('serves concurrent calls independently and accumulates stats', async () => {
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: prefilter({ delayMs: 2 }), topK: 5 }],
      topK: 2,
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => cascade.search({ query: `query ${index}` })),
    );
    for (const result of results) expect(ids(result)).toEqual(['d39', 'd38']);
    expect(new Set(results.map((result) => result.query)).size).toBe(10);
    const stats = cascade.stats();
    expect(stats.calls).toBe(10);
    const prefilterStats = stats.stages.find((stage) => stage.stageId === 'prefilter')!;
    expect(prefilterStats).toMatchObject({
      calls: 10,
      pairsScored: 400,
      tokens: 1200,
      kind: 'score',
      modelId: 'mock-model',
    });
    expect(prefilterStats.latencyMs.count).toBe(10);
    expect(prefilterStats.latencyMs.p99).toBeGreaterThanOrEqual(prefilterStats.latencyMs.p50);
    expect(prefilterStats.pairsPerSecond).toBeGreaterThan(0);
    cascade.resetStats();
    expect(cascade.stats()).toMatchObject({ calls: 0, stages: [] });
  });

  it('emits stage-start, batch-end and stage-end; a throwing listener does not break the call', async () => {
    const cascade = createCascade({
      retrievers: lexical(),
      getDocuments,
      stages: [{ scorer: prefilter(), topK: 5, batchSize: 20 }],
    });
    const seen: string[] = [];
    const off = cascade.on('stage-start', (event) => seen.push(`start:${event.stageId}`));
    cascade.on('stage-end', (event) => seen.push(`end:${event.report.stageId}`));
    cascade.on('batch-end', (event) => seen.push(`batch:${event.stageId}:${event.scoredCount}`));
    cascade.on('batch-end', () => {
      throw new Error('listener bug');
    });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await cascade.search({ query: 'q' });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('listener bug'),
      'SieveListenerWarning',
    );
    expect(seen).toEqual([
      'start:bm25',
      'end:bm25',
      'start:prefilter',
      'batch:prefilter:20',
      'batch:prefilter:40',
      'end:prefilter',
    ]);
    off();
    seen.length = 0;
    await cascade.search({ query: 'q' });
    expect(seen[0]).toBe('end:bm25');
    warn.mockRestore();
  });

  it('dispose() disposes the scorers', async () => {
    const scorer = prefilter();
    await createCascade({ stages: [{ scorer, topK: 1 }] }).dispose();
    expect(scorer.disposed).toBe(true);
  });
});

describe('createCascade: bad input', () => {
  const config = (settings: unknown) => {
    try {
      createCascade(settings as Parameters<typeof createCascade>[0]);
    } catch (error) {
      if (InvalidConfigError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected InvalidConfigError');
  };

  it('sends each stage the text its documentText makes, title and text by default', async () => {
    const titled = [
      { id: 'a', title: 'Aspirin', text: 'lowers risk' },
      { id: 'b', text: 'no title here' },
    ];
    const seen: Record<string, string[]> = { prefilter: [], rerank: [] };
    const record = (stageId: string) =>
      new MockScorerV1({
        stageId,
        score: (_query, document) => {
          seen[stageId]!.push(document.text);
          return document.text.length;
        },
      });
    const cascade = createCascade({
      stages: [
        { scorer: record('prefilter'), topK: 2 },
        { scorer: record('rerank'), topK: 2, documentText: (document) => document.id },
      ],
    });
    await cascade.search({ query: 'q', candidates: titled });
    expect(seen.prefilter!.sort()).toEqual(['Aspirin lowers risk', 'no title here']);
    expect(seen.rerank!.sort()).toEqual(['a', 'b']);
    const broken = createCascade({
      stages: [{ scorer: record('prefilter'), topK: 1, documentText: () => 3 as never }],
    });
    const error = await broken.search({ query: 'q', candidates: titled }).catch((caught) => caught);
    expect(StageError.isInstance(error)).toBe(true);
    expect((error as StageError).message).toContain('documentText');
    expect(
      config({ stages: [{ scorer: prefilter(), topK: 1, documentText: 'title' }] }).message,
    ).toContain('(document) => string');
  });

  it('rejects bad settings with every issue named', () => {
    const error = config({
      retrievers: [{}],
      stages: [{ scorer: prefilter(), topK: 0 }],
      topK: -1,
    });
    const paths = error.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['retrievers.0', 'stages.0.topK', 'topK']));
    expect(
      config({
        stages: [
          { scorer: prefilter(), topK: 1 },
          { scorer: prefilter(), topK: 1 },
        ],
      }).message,
    ).toContain("'prefilter' is already used");
    expect(
      config({ retrievers: lexical(), stages: [{ scorer: prefilter(), topK: 1 }] }).message,
    ).toContain('getDocuments');
    expect(config({ stages: [{ scorer: prefilter(), topK: 1, prune: {} }] }).message).toContain(
      'pruning policy',
    );
    expect(config({ stages: [{ scorer: { doScore: () => null }, topK: 1 }] }).message).toContain(
      'ScorerV1',
    );
  });

  it('rejects bad call options with InvalidArgumentError naming the argument', async () => {
    const cascade = createCascade({ retrievers: lexical(), getDocuments });
    const argumentOf = (call: Promise<unknown>) =>
      call.then(
        () => 'resolved',
        (error: unknown) =>
          InvalidArgumentError.isInstance(error) ? error.argument : String(error),
      );
    expect(await argumentOf(cascade.search({ query: '' }))).toBe('query');
    expect(await argumentOf(cascade.search({ query: 'q', topK: 0 }))).toBe('topK');
    expect(await argumentOf(cascade.search({ query: 'q', topK: 2.5 }))).toBe('topK');
    expect(await argumentOf(cascade.search({ query: 'q', deadlineMs: -5 }))).toBe('deadlineMs');
    expect(await argumentOf(cascade.search(undefined as never))).toBe('options');
    expect(
      await argumentOf(
        cascade.search({
          query: 'q',
          candidates: [
            { id: 'a', text: 'x' },
            { id: 'a', text: 'y' },
          ],
        }),
      ),
    ).toBe('candidates[1].id');
    expect(
      await argumentOf(cascade.search({ query: 'q', candidates: [{ id: 'a', text: 5 as never }] })),
    ).toBe('candidates[0].text');
    const noRetrievers = createCascade({ stages: [{ scorer: prefilter(), topK: 1 }] });
    expect(await argumentOf(noRetrievers.search({ query: 'q' }))).toBe('candidates');
  });

  it('turns a throwing stage or a wrong score count into StageError naming the stage', async () => {
    const run = async (scorer: MockScorerV1) => {
      const cascade = createCascade({
        retrievers: lexical(),
        getDocuments,
        stages: [{ scorer, topK: 2 }],
      });
      return cascade.search({ query: 'q' }).catch((error: unknown) => error);
    };
    const thrown = await run(
      new MockScorerV1({
        stageId: 'boom',
        override: () => {
          throw new Error('onnx exploded');
        },
      }),
    );
    expect(StageError.isInstance(thrown) && thrown.stageId).toBe('boom');
    expect(String(thrown)).toContain('onnx exploded');
    const short = await run(
      new MockScorerV1({ stageId: 'short', override: () => ({ scores: [1] }) }),
    );
    expect(StageError.isInstance(short) && short.message).toContain(
      'returned 1 scores for 40 documents',
    );
    const nan = await run(
      new MockScorerV1({
        stageId: 'nan',
        override: (options) => ({ scores: options.documents.map(() => Number.NaN) }),
      }),
    );
    expect(StageError.isInstance(nan) && nan.stageId).toBe('nan');
    const badRetriever = createCascade({
      retrievers: new MockRetrieverV1({
        stageId: 'dup',
        results: () =>
          [
            { id: 'a', score: 1 },
            { id: 'a', score: 0 },
          ] as never,
      }),
    });
    // The mock sorts and cuts but keeps duplicates: the cascade must catch them.
    await expect(badRetriever.search({ query: 'q' })).rejects.toSatisfy(
      (error: unknown) => StageError.isInstance(error) && error.stageId === 'dup',
    );
  });
});
