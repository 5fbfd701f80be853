import { InvalidArgumentError } from '@sieve/core';
import { MockScorerV1 } from '@sieve/core/test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bounded } from './bounded.js';
import { calibrateScoreBound } from './calibrate-score-bound.js';
import { fixedDepth } from './fixed-depth.js';
import { patience } from './patience.js';
import type { PruningPolicy } from './pruning-policy.js';
import { fitScoreBound, linearScoreBound } from './score-bound.js';
import { relativeThreshold, scoreGap } from './score-cut.js';

/** Simulates a progressive stage: returns how many candidates the policy let it score. */
function simulate(
  policy: PruningPolicy,
  previousScores: number[],
  nextScores: number[],
  topK: number,
  batchSize: number,
): number {
  const plan = policy.plan({ topK, previousScores });
  const maxDepth = Math.min(previousScores.length, plan.maxDepth ?? previousScores.length);
  let scored = 0;
  let batches = 0;
  while (scored < maxDepth) {
    if (
      batches > 0 &&
      plan.shouldStop?.({ scoredCount: scored, scores: nextScores, batchIndex: batches })
    )
      break;
    scored = Math.min(scored + batchSize, maxDepth);
    batches += 1;
  }
  return scored;
}

/** Top-k indices by score, ties to the lower index (the cascade's order). */
const topIndices = (scores: number[], count: number, k: number): number[] =>
  Array.from({ length: count }, (_, index) => index)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);

describe('fixedDepth, scoreGap, relativeThreshold', () => {
  it('fixedDepth caps the depth', () => {
    expect(simulate(fixedDepth(7), Array(20).fill(0), Array(20).fill(0), 3, 4)).toBe(7);
    expect(simulate(fixedDepth(0), [1, 2], [1, 2], 1, 1)).toBe(0);
    expect(() => fixedDepth(-1)).toThrow(InvalidArgumentError);
  });

  it('scoreGap scores the prefix within gap of the best previous score, at least minDepth', () => {
    const previous = [10, 9, 8, 5, 4, 1];
    expect(simulate(scoreGap({ gap: 2, minDepth: 0 }), previous, previous, 1, 1)).toBe(3);
    expect(simulate(scoreGap({ gap: 2 }), previous, previous, 5, 1)).toBe(5);
    expect(() => scoreGap({ gap: -1 })).toThrow(InvalidArgumentError);
  });

  it('relativeThreshold cuts on min-max normalized previous scores', () => {
    const previous = [10, 8, 6, 4, 2, 0];
    expect(
      simulate(relativeThreshold({ threshold: 0.5, minDepth: 0 }), previous, previous, 1, 1),
    ).toBe(3);
    expect(
      simulate(relativeThreshold({ threshold: 1, minDepth: 0 }), [3, 3, 3], [0, 0, 0], 1, 1),
    ).toBe(3);
    expect(() => relativeThreshold({ threshold: 2 })).toThrow(InvalidArgumentError);
  });
});

describe('patience', () => {
  it('stops once the top-k is unchanged for the given number of batches', () => {
    // Best candidates come first, the rest score lower: top-2 never changes after batch 1.
    const next = [9, 8, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(simulate(patience(2), next, next, 2, 2)).toBe(6);
    expect(simulate(patience(1), next, next, 2, 2)).toBe(4);
  });

  it('keeps going while the top-k changes', () => {
    const next = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(simulate(patience(1), next, next, 2, 2)).toBe(8);
    expect(() => patience(0)).toThrow(InvalidArgumentError);
  });
});

describe('bounded', () => {
  const scoreArrays = fc
    .array(
      fc.tuple(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
      ),
      {
        minLength: 1,
        maxLength: 60,
      },
    )
    .map((rows) => {
      // previous scores sorted descending (the stage's input order); next = slope*prev + b - slack,
      // so the true bound slope*prev + b holds for every candidate.
      const sorted = [...rows].sort((a, b) => b[0] - a[0]);
      return {
        previous: sorted.map(([previous]) => previous),
        next: sorted.map(([previous, slack]) => 0.8 * previous + 1 - slack),
      };
    });

  it('never drops a true top-k member when its bound holds (property)', () => {
    fc.assert(
      fc.property(
        scoreArrays,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 8 }),
        (data, topK, batchSize) => {
          const policy = bounded({ bound: linearScoreBound({ slope: 0.8, intercept: 1 }) });
          const scored = simulate(policy, data.previous, data.next, topK, batchSize);
          const truth = topIndices(data.next, data.next.length, topK);
          const found = topIndices(data.next, scored, topK);
          expect(found).toEqual(truth);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('saves pairs when the bound is informative', () => {
    const previous = Array.from({ length: 100 }, (_, index) => 100 - index);
    const next = previous.map((score) => score / 10);
    const scored = simulate(
      bounded({ bound: linearScoreBound({ slope: 0.1, intercept: 0.5 }) }),
      previous,
      next,
      5,
      5,
    );
    expect(scored).toBe(10);
  });

  it('fitScoreBound lies above every observed pair and generalizes with its margin (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            previous: fc.double({ min: -20, max: 20, noNaN: true }),
            next: fc.double({ min: -20, max: 20, noNaN: true }),
          }),
          { minLength: 1, maxLength: 50 },
        ),
        (pairs) => {
          const bound = fitScoreBound(pairs, { margin: 0 });
          for (const pair of pairs)
            expect(bound.upper(pair.previous)).toBeGreaterThanOrEqual(pair.next - 1e-9);
        },
      ),
    );
    expect(() => fitScoreBound([])).toThrow(InvalidArgumentError);
    expect(() => fitScoreBound([{ previous: 1, next: 1 }], { margin: -1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => linearScoreBound({ slope: Number.NaN, intercept: 0 })).toThrow(
      InvalidArgumentError,
    );
  });

  it('calibrateScoreBound scores samples with both stages and fits the bound', async () => {
    const documents = Array.from({ length: 20 }, (_, index) => ({
      id: `d${index}`,
      text: 'x'.repeat(index),
    }));
    const previous = new MockScorerV1({
      stageId: 'p',
      score: (_query, document) => document.text.length,
    });
    const next = new MockScorerV1({
      stageId: 'n',
      score: (_query, document) => 2 * document.text.length + (document.text.length % 3),
    });
    const { bound, pairs } = await calibrateScoreBound({
      previous,
      next,
      samples: [{ query: 'q', documents }],
      margin: 0,
    });
    expect(pairs).toHaveLength(20);
    for (const pair of pairs)
      expect(bound.upper(pair.previous)).toBeGreaterThanOrEqual(pair.next - 1e-9);
    expect(bound.slope).toBeGreaterThan(1.5);
    await expect(calibrateScoreBound({ next, samples: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(
      calibrateScoreBound({ next, samples: [{ query: 'q', documents }] }),
    ).rejects.toThrow(/previousScores/);
  });
});
