import { describe, expect, it } from 'vitest';
import { fuseReciprocalRank, fuseWeighted } from './fusion.js';

describe('reciprocal rank fusion', () => {
  it('sums weight / (k + rank) and deduplicates ids', () => {
    const fused = fuseReciprocalRank(
      [
        {
          candidates: [
            { id: 'a', score: 9 },
            { id: 'b', score: 5 },
          ],
          weight: 1,
        },
        {
          candidates: [
            { id: 'b', score: 0.9 },
            { id: 'c', score: 0.1 },
          ],
          weight: 1,
        },
      ],
      60,
    );
    expect(fused.map((candidate) => candidate.id)).toEqual(['b', 'a', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 61, 12);
  });

  it('breaks ties by id, deterministically', () => {
    const fused = fuseReciprocalRank([
      { candidates: [{ id: 'z', score: 1 }], weight: 1 },
      { candidates: [{ id: 'y', score: 1 }], weight: 1 },
    ]);
    expect(fused.map((candidate) => candidate.id)).toEqual(['y', 'z']);
  });
});

describe('weighted normalized fusion', () => {
  it('min-max normalizes each retriever and applies weights', () => {
    const fused = fuseWeighted([
      {
        candidates: [
          { id: 'a', score: 10 },
          { id: 'b', score: 0 },
        ],
        weight: 0.25,
      },
      {
        candidates: [
          { id: 'b', score: 3 },
          { id: 'c', score: 1 },
        ],
        weight: 0.75,
      },
    ]);
    expect(fused).toEqual([
      { id: 'b', score: 0.75 },
      { id: 'a', score: 0.25 },
      { id: 'c', score: 0 },
    ]);
  });

  it('gives 1 to every candidate of a retriever whose scores are all equal', () => {
    expect(fuseWeighted([{ candidates: [{ id: 'a', score: 2 }], weight: 1 }])).toEqual([
      { id: 'a', score: 1 },
    ]);
  });
});
