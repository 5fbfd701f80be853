import { InvalidArgumentError } from '@sieve/core';
import { MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { createCascade } from './create-cascade.js';
import { rankTexts } from './rank-texts.js';

const texts = ['bb', 'a', 'dddd', 'ccc'];

/** Scores a text by its length; ties broken by nothing (equal scores). */
const byLength = () =>
  new MockScorerV1({ stageId: 'length', score: (_query, document) => document.text.length });

describe('rankTexts', () => {
  it('with a scorer: every text best first, with its index and score, caller data untouched', async () => {
    const input = [...texts];
    const ranking = await rankTexts(byLength(), { query: 'q', texts: input });
    expect(ranking).toEqual([
      { index: 2, score: 4, scores: { length: 4 } },
      { index: 3, score: 3, scores: { length: 3 } },
      { index: 0, score: 2, scores: { length: 2 } },
      { index: 1, score: 1, scores: { length: 1 } },
    ]);
    expect(input).toEqual(texts);
  });

  it('keeps input order on ties and cuts to topK', async () => {
    const flat = new MockScorerV1({ stageId: 'flat', score: () => 1 });
    const ranking = await rankTexts(flat, { query: 'q', texts, topK: 3 });
    expect(ranking.map((item) => item.index)).toEqual([0, 1, 2]);
  });

  it('with a cascade: the cascade ranks the texts as candidates, every stage score kept', async () => {
    const cascade = createCascade({
      retrievers: [],
      stages: [
        { scorer: byLength(), topK: 3 },
        {
          scorer: new MockScorerV1({ stageId: 'second', score: { '0': 5, '3': 9, '2': 1 } }),
          topK: 2,
        },
      ],
      topK: 2,
    });
    const ranking = await rankTexts(cascade, { query: 'q', texts });
    expect(ranking.map((item) => item.index)).toEqual([3, 0]);
    expect(ranking[0]!.scores).toMatchObject({ length: 3, second: 9 });
  });

  it('no texts rank as none; a text that is not a string or a bad topK is a typed error', async () => {
    expect(await rankTexts(byLength(), { query: 'q', texts: [] })).toEqual([]);
    await expect(
      rankTexts(byLength(), { query: 'q', texts: ['a', undefined as unknown as string] }),
    ).rejects.toThrow(/texts\[1\] must be a string/);
    await expect(rankTexts(byLength(), { query: 'q', texts, topK: 0 })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(rankTexts(byLength(), { query: '', texts })).rejects.toThrow(InvalidArgumentError);
  });
});
