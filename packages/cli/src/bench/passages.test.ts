import { describe, expect, it } from 'vitest';
import {
  formatLengthHistogram,
  passageDocumentId,
  passageQrels,
  splitIntoPassages,
  splitSentences,
} from './passages.js';

/** One token per word: enough to test the limits. */
const countTokens = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const sentence = (words: number, tag: string): string =>
  `${tag} ${Array.from({ length: words - 1 }, () => 'w').join(' ')}.`;

describe('passages', () => {
  it('splits sentences at end punctuation before a capital, digit or bracket', () => {
    expect(splitSentences('One is here. Two e.g. this one! 3 more? (Four) ends.')).toEqual([
      'One is here.',
      'Two e.g. this one!',
      '3 more?',
      '(Four) ends.',
    ]);
  });

  it('groups up to 3 sentences within the token limit, ids <document>#<n>, no title', () => {
    const text = [10, 10, 10, 10, 30, 25].map((words, index) => sentence(words, `S${index}`));
    const passages = splitIntoPassages([{ id: 'd1', title: 'Title', text: text.join(' ') }], {
      countTokens,
      minTokens: 15,
      maxTokens: 40,
    });
    // [S0 S1 S2] (30, 3 sentences), [S3 S4] (40), [S5] (25).
    expect(passages.map((passage) => passage.id)).toEqual(['d1#0', 'd1#1', 'd1#2']);
    expect(passages.map((passage) => countTokens(passage.text))).toEqual([30, 40, 25]);
    expect(passages[0]!.text.startsWith('S0 ')).toBe(true);
    expect(passages.every((passage) => passage.title === undefined)).toBe(true);
  });

  it('joins a short tail to the passage before it, and drops a lone short text', () => {
    const passages = splitIntoPassages(
      [
        { id: 'a', text: [sentence(20, 'A'), sentence(20, 'B'), sentence(5, 'C')].join(' ') },
        { id: 'b', text: sentence(5, 'Short') },
      ],
      { countTokens, minTokens: 10, maxTokens: 50, maxSentences: 2 },
    );
    expect(passages.map((passage) => [passage.id, countTokens(passage.text)])).toEqual([
      ['a#0', 45],
    ]);
  });

  it('gives each passage its document grade', () => {
    const passages = [
      { id: 'd1#0', text: 'x' },
      { id: 'd1#1', text: 'y' },
      { id: 'd2#0', text: 'z' },
    ];
    const qrels = passageQrels(new Map([['q', new Map([['d1', 2]])]]), passages);
    expect([...qrels.get('q')!]).toEqual([
      ['d1#0', 2],
      ['d1#1', 2],
    ]);
    expect(passageDocumentId('a#b#3')).toBe('a#b');
  });

  it('prints a length histogram with mean and median', () => {
    expect(formatLengthHistogram([50, 90, 100, 100, 130])).toBe(
      'pair tokens: mean 94, median 100 | 40-63 1 | 64-95 1 | 96-127 2 | 128-159 1',
    );
    expect(formatLengthHistogram([])).toBe('pair tokens: none');
  });
});
