import { createCascadeFromConfig } from '@sieve/cascade';
import { InvalidArgumentError, type SieveDocument } from '@sieve/core';
import { MockRetrieverV1, MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { chooseByLabels, chooseShape } from './choose-shape.js';
import { rankBiasedOverlap } from './rank-biased-overlap.js';
import { agreementWith, estimateMs, replayShapes } from './replay-shapes.js';
import { fitScorerCost, retrieveSample, scoreCandidates } from './score-candidates.js';
import type { TunedShape } from './tune-result.js';
import {
  enumerateShapes,
  referenceShape,
  scoreGapValues,
  shapeConfig,
  type TuneModels,
} from './tune-shapes.js';

describe('rankBiasedOverlap', () => {
  it('is 1 for identical lists, 0 for disjoint ones, and weighs the top more', () => {
    expect(rankBiasedOverlap(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(1);
    expect(rankBiasedOverlap([], [])).toBe(1);
    expect(rankBiasedOverlap(['a', 'b'], ['c', 'd'])).toBe(0);
    expect(rankBiasedOverlap(['a', 'b', 'c'], ['b', 'a', 'c'])).toBeCloseTo(0.9, 12);
    const topSwap = rankBiasedOverlap(['b', 'a', 'c', 'd'], ['a', 'b', 'c', 'd']);
    const bottomSwap = rankBiasedOverlap(['a', 'b', 'd', 'c'], ['a', 'b', 'c', 'd']);
    expect(topSwap).toBeLessThan(bottomSwap);
    expect(bottomSwap).toBeLessThan(1);
  });

  it('compares at depth k only', () => {
    const ten = Array.from({ length: 10 }, (_, index) => `d${index}`);
    expect(rankBiasedOverlap([...ten, 'x'], [...ten, 'y'], { k: 10 })).toBe(1);
    expect(rankBiasedOverlap([...ten, 'x'], [...ten, 'y'], { k: 11 })).toBeLessThan(1);
  });
});

describe('fitScorerCost', () => {
  it('separates the cost of a call from the cost of a pair', () => {
    const cost = fitScorerCost(
      [
        { pairs: 100, ms: 52 },
        { pairs: 100, ms: 52 },
      ],
      [{ pairs: 8, ms: 6 }],
    );
    expect(cost.msPerPair).toBeCloseTo(0.5, 12);
    expect(cost.msPerCall).toBeCloseTo(2, 12);
  });

  it('charges pairs only when the sizes are too close, or noise makes a part negative', () => {
    expect(fitScorerCost([{ pairs: 10, ms: 10 }], [{ pairs: 8, ms: 6 }])).toEqual({
      msPerCall: 0,
      msPerPair: 16 / 18,
    });
    // Small batches cheaper per call than the line allows: no negative overhead.
    expect(fitScorerCost([{ pairs: 100, ms: 10 }], [{ pairs: 8, ms: 0.1 }]).msPerCall).toBe(0);
    expect(fitScorerCost([], [])).toEqual({ msPerCall: 0, msPerPair: 0 });
  });
});

describe('the shape space', () => {
  it('follows the scale of the scores for scoreGap', () => {
    const rankings = [
      Array.from({ length: 40 }, (_, index) => 40 - index),
      Array.from({ length: 40 }, (_, index) => 20 - index / 2),
      [5, 4],
    ];
    // Rank 20: drops 19 and 9.5, median (lower) 9.5; rank 30: drops 29 and 14.5.
    expect(scoreGapValues(rankings, 10)).toEqual([9.5, 14.5]);
    expect(scoreGapValues([[1, 1, 1]], 1)).toEqual([]);
  });

  it('tries depth x prefilter keep x pruning, with the reference, keeps >= k and < depth', () => {
    const shapes = enumerateShapes({
      k: 10,
      maxDepth: 60,
      prefilter: true,
      gaps: { retrieval: [3], prefilter: [1.5] },
    });
    const ids = shapes.map((shape) => shape.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(referenceShape(10, 60).id);
    expect(referenceShape(10, 60).id).toBe('bm25=60,minilm=10');
    expect(ids).toEqual(
      expect.arrayContaining([
        'bm25=10',
        'bm25=20,tiny=10',
        'bm25=10,minilm=10',
        'bm25=50,minilm=10,prune=patience:3',
        'bm25=60,minilm=10,prune=gap:3',
        'bm25=60,tiny=50,minilm=10,prune=gap:1.5',
        'bm25=30,tiny=20,minilm=10,prune=patience:1',
      ]),
    );
    expect(ids).not.toContain('bm25=75,minilm=10');
    expect(ids).not.toContain('bm25=30,tiny=30,minilm=10');
    for (const shape of shapes) {
      if (shape.prefilterKeep !== undefined && shape.rerank) {
        expect(shape.prefilterKeep).toBeGreaterThanOrEqual(10);
        expect(shape.prefilterKeep).toBeLessThan(shape.retrievalTopK);
      }
    }
    const withoutPrefilter = enumerateShapes({
      k: 10,
      maxDepth: 100,
      prefilter: false,
      gaps: { retrieval: [], prefilter: [] },
    });
    expect(withoutPrefilter.some((shape) => shape.prefilterKeep !== undefined)).toBe(false);
    // BM25 alone, then 6 depths x (none + 3 patience).
    expect(withoutPrefilter).toHaveLength(1 + 6 * 4);
  });

  it('writes a shape as a config: only the models it uses, patience in batches of 8', () => {
    const models: TuneModels = {
      reranker: { model: '/models/reranker', dtype: 'int8' },
      prefilter: { model: '/models/reranker', dtype: 'int8', maxLength: 64 },
    };
    const [, , patienceShape] = enumerateShapes({
      k: 10,
      maxDepth: 50,
      prefilter: false,
      gaps: { retrieval: [], prefilter: [] },
    });
    expect(patienceShape!.id).toBe('bm25=10,minilm=10,prune=patience:1');
    expect(shapeConfig(patienceShape!, models)).toEqual({
      version: 1,
      retrieval: { retriever: 'bm25', depth: 10 },
      models: { reranker: models.reranker },
      stages: [
        { model: 'reranker', topK: 10, batchSize: 8, prune: { policy: 'patience', batches: 1 } },
      ],
      topK: 10,
    });
    const gap = enumerateShapes({
      k: 10,
      maxDepth: 50,
      prefilter: true,
      gaps: { retrieval: [], prefilter: [2] },
    }).find((shape) => shape.id === 'bm25=50,tiny=30,minilm=10,prune=gap:2')!;
    expect(shapeConfig(gap, models)).toMatchObject({
      models,
      stages: [
        { model: 'prefilter', topK: 30 },
        { model: 'reranker', topK: 10, batchSize: 30, prune: { policy: 'scoreGap', gap: 2 } },
      ],
    });
    const prefilterOnly = enumerateShapes({
      k: 10,
      maxDepth: 50,
      prefilter: true,
      gaps: { retrieval: [], prefilter: [] },
    }).find((shape) => shape.id === 'bm25=50,tiny=10')!;
    expect(shapeConfig(prefilterOnly, models)).toMatchObject({
      models: { prefilter: models.prefilter },
      stages: [{ model: 'prefilter', topK: 10 }],
    });
    expect(() => shapeConfig(gap, { ...models, prefilter: null })).toThrow(
      /models\.prefilter is null/,
    );
  });
});

describe('chooseShape', () => {
  const row = (shape: string, overlap: number, estimatedMs: number, rbo = overlap): TunedShape => ({
    shape,
    overlap,
    rbo,
    ndcgAt10: null,
    pairsPerQuery: {},
    callsPerQuery: {},
    estimatedMs,
    costFraction: estimatedMs / 100,
    onFrontier: false,
  });
  const rows = [
    row('full', 1, 100),
    row('deep', 0.97, 60),
    row('cheap', 0.95, 40, 0.9),
    row('cheap-better-rbo', 0.95, 40, 0.93),
    row('bm25', 0.5, 1),
  ];

  it('takes the cheapest shape that reaches the floor, the more agreeing on a tie', () => {
    expect(chooseShape(rows, { minAgreement: 0.95 }).shape).toBe('cheap-better-rbo');
    expect(chooseShape(rows, { minAgreement: 0.96 }).shape).toBe('deep');
    expect(chooseShape(rows, { minAgreement: 1 }).shape).toBe('full');
  });

  it('takes the most agreeing shape within the budget, and names the cheapest when none fits', () => {
    expect(chooseShape(rows, { budgetMs: 59 }).shape).toBe('cheap-better-rbo');
    expect(chooseShape(rows, { budgetMs: 1000 }).shape).toBe('full');
    expect(chooseShape(rows, { budgetMs: 1 }).shape).toBe('bm25');
    let error: unknown;
    try {
      chooseShape(rows, { budgetMs: 0.5 });
    } catch (caught) {
      error = caught;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/the cheapest, bm25, is estimated at 1\.0 ms/);
  });

  it('says what the labels would choose: the cheapest within 1% of the reference nDCG@10', () => {
    const judged = [
      { ...row('full', 1, 100), ndcgAt10: 0.7 },
      { ...row('deep', 0.97, 60), ndcgAt10: 0.695 },
      { ...row('shallow', 0.6, 20), ndcgAt10: 0.72 },
      { ...row('bm25', 0.5, 1), ndcgAt10: 0.6 },
    ];
    expect(chooseByLabels(judged, judged[0]!)?.shape).toBe('shallow');
    expect(chooseByLabels(rows, rows[0]!)).toBeUndefined();
  });
});

describe('replay', () => {
  const corpus: SieveDocument[] = Array.from({ length: 50 }, (_, index) => ({
    id: `d${index}`,
    title: `t${index}`,
    text: `document ${index} ${'word '.repeat(index % 9)}`,
  }));
  const documents = new Map(corpus.map((document) => [document.id, document]));
  const queries: Array<readonly [string, string]> = [
    ['q1', 'first query'],
    ['q2', 'second query'],
    ['q3', 'third'],
  ];
  // BM25 stand-in: a different order per query.
  const retriever = new MockRetrieverV1({
    stageId: 'bm25',
    results: (query: string) =>
      corpus.map((document, index) => ({
        id: document.id,
        score: ((index * 7 + query.length * 3) % 50) + 0.5,
      })),
  });
  const prefilter = () =>
    new MockScorerV1({
      stageId: 'prefilter',
      score: (query, document) => ((document.text.length * 13 + query.length) % 17) / 2,
    });
  const reranker = () =>
    new MockScorerV1({
      stageId: 'reranker',
      score: (query, document) => ((document.text.length * 31 + query.length * 5) % 23) / 3,
    });
  const models: TuneModels = {
    reranker: { model: 'reranker', dtype: 'fp32' },
    prefilter: { model: 'prefilter', dtype: 'fp32' },
  };

  it('replays every shape exactly as the cascade with the models themselves: top k, pairs and calls', async () => {
    const { sample } = await retrieveSample(retriever, queries, 40);
    const rerankerRun = await scoreCandidates(reranker(), sample, documents);
    const prefilterRun = await scoreCandidates(prefilter(), sample, documents);
    expect(rerankerRun.cost.pairs).toBeGreaterThan(3 * 40);
    const shapes = enumerateShapes({
      k: 5,
      maxDepth: 40,
      prefilter: true,
      gaps: {
        retrieval: scoreGapValues(
          sample.map((query) => query.candidates.map((candidate) => candidate.score)),
          5,
        ),
        prefilter: [1, 2.5],
      },
    });
    const replayed = await replayShapes(shapes, {
      sample,
      scores: { reranker: rerankerRun.scores, prefilter: prefilterRun.scores },
      models,
      documents,
    });
    let pruned = 0;
    for (const item of replayed) {
      const cascade = createCascadeFromConfig(shapeConfig(item.shape, models), {
        scorers: { reranker: reranker(), prefilter: prefilter() },
        retrievers: { bm25: retriever },
        getDocuments: async (ids) => ids.map((id) => documents.get(id)),
      });
      const pairs: Record<string, number> = {};
      for (const [index, [, query]] of queries.entries()) {
        const result = await cascade.search({ query });
        expect(result.candidates.map((candidate) => candidate.id)).toEqual(item.topIds[index]);
        for (const report of result.reports) {
          if (report.kind !== 'score') continue;
          pairs[report.stageId] = (pairs[report.stageId] ?? 0) + report.pairsScored / 3;
          if (report.stopReason === 'pruned' && report.prunedBy) pruned += 1;
        }
      }
      for (const [stage, perQuery] of Object.entries(pairs)) {
        expect(item.pairsPerQuery[stage]).toBeCloseTo(perQuery, 12);
      }
    }
    // The space holds shapes whose pruning stopped early, so the check above covers pruning.
    expect(pruned).toBeGreaterThan(0);
    const reference = replayed.find((item) => item.shape.id === 'bm25=40,minilm=5')!;
    expect(agreementWith(reference.topIds, reference.topIds, 5)).toEqual({ overlap: 1, rbo: 1 });
    const cost = { msPerCall: 1, msPerPair: 0.5, fullCallMs: 0, pairs: 0 };
    expect(
      estimateMs(
        {
          pairsPerQuery: { reranker: 40, prefilter: 10 },
          callsPerQuery: { reranker: 5, prefilter: 1 },
        },
        2,
        { reranker: cost, prefilter: { ...cost, msPerPair: 0.1 } },
      ),
    ).toBeCloseTo(2 + 40 * 0.5 + 5 + 10 * 0.1 + 1, 12);
  });
});
