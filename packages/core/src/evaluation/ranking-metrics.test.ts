import { describe, expect, it } from 'vitest';
import { mrrAtK, ndcgAtK, recallAtK } from './ranking-metrics.js';

describe('ranking metrics', () => {
  it('computes nDCG@k with linear gains against the ideal ranking', () => {
    expect(ndcgAtK(['a', 'b', 'c'], { a: 1 }, 10)).toBe(1);
    expect(ndcgAtK(['x', 'a'], { a: 1 }, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    const graded = new Map([
      ['a', 2],
      ['b', 1],
    ]);
    const ideal = 2 + 1 / Math.log2(3);
    expect(ndcgAtK(['b', 'a'], graded, 10)).toBeCloseTo((1 + 2 / Math.log2(3)) / ideal, 12);
    expect(ndcgAtK(['x', 'y', 'a'], { a: 1 }, 2)).toBe(0);
    expect(ndcgAtK(['a'], {}, 10)).toBe(0);
  });

  it('computes recall@k and MRR@k', () => {
    expect(recallAtK(['a', 'x', 'b'], { a: 1, b: 1, c: 1, d: 0 }, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(['a'], {}, 10)).toBe(0);
    expect(mrrAtK(['x', 'y', 'a'], { a: 1 }, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAtK(['x', 'y', 'a'], { a: 1 }, 2)).toBe(0);
  });
});
