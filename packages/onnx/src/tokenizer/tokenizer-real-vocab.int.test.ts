import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load-tokenizer.js';

const shared = new URL('../../../../../shared/models/ms-marco-TinyBERT-L-2-v2/', import.meta.url)
  .pathname;
const present = existsSync(`${shared}vocab.txt`);
if (!present) console.warn(`[rerank] skipping real-vocabulary parity: ${shared} is absent`);

interface Parity {
  texts: { text: string; ids: number[] }[];
  pairs: {
    query: string;
    document: string;
    maxLength: number;
    ids: number[];
    tokenTypeIds: number[];
  }[];
}

describe.skipIf(!present)('WordPiece parity with HF on the real 30,522-token vocabulary', () => {
  const parity = JSON.parse(
    readFileSync(new URL('../__fixtures__/tokenizer-parity.json', import.meta.url), 'utf8'),
  ) as Parity;

  it('matches single texts (accents, CJK, punctuation, long words, empty, control chars)', async () => {
    const { tokenizer } = await loadTokenizer({
      modelId: 'cross-encoder/ms-marco-TinyBERT-L-2-v2',
      folder: shared,
    });
    for (const { text, ids } of parity.texts)
      expect(Array.from(tokenizer.encodeText(text)), text).toEqual(ids);
  });

  it('matches truncated pairs', async () => {
    const { tokenizer } = await loadTokenizer({
      modelId: 'cross-encoder/ms-marco-TinyBERT-L-2-v2',
      folder: shared,
    });
    for (const pair of parity.pairs) {
      const encoded = tokenizer.encodePair(
        tokenizer.encodeText(pair.query),
        tokenizer.encodeText(pair.document),
        pair.maxLength,
      );
      expect(Array.from(encoded.inputIds)).toEqual(pair.ids);
      expect(Array.from(encoded.tokenTypeIds)).toEqual(pair.tokenTypeIds);
    }
  });
});
