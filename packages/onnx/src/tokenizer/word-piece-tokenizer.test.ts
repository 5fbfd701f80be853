import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load-tokenizer.js';
import { truncatedLengths } from './word-piece-tokenizer.js';

const fixtures = new URL('../__fixtures__/', import.meta.url);
interface Golden {
  maxLength: number;
  pairs: { query: string; document: string; inputIds: number[] }[];
}

describe.each(['tiny-bert-cross-encoder', 'tiny-bert-no-token-types'])(
  'WordPiece parity with HF (%s)',
  (name) => {
    const folder = new URL(`${name}/`, fixtures).pathname;
    const golden = JSON.parse(
      readFileSync(new URL('golden.json', `file://${folder}`), 'utf8'),
    ) as Golden;

    it('encodes every golden pair to the exact HF fast-tokenizer ids (with longest_first truncation)', async () => {
      const { tokenizer } = await loadTokenizer({ modelId: name, folder });
      let checked = 0;
      for (const pair of golden.pairs) {
        const encoded = tokenizer.encodePair(
          tokenizer.encodeText(pair.query),
          tokenizer.encodeText(pair.document),
          golden.maxLength,
        );
        expect(
          Array.from(encoded.inputIds),
          `${pair.query} | ${pair.document.slice(0, 40)}`,
        ).toEqual(pair.inputIds);
        checked += 1;
      }
      expect(checked).toBeGreaterThan(50);
    });
  },
);

describe('WordPiece tokenizer', () => {
  it('stops early with maxTokens and keeps the same prefix', async () => {
    const folder = new URL('tiny-bert-cross-encoder/', fixtures).pathname;
    const { tokenizer } = await loadTokenizer({ modelId: 'tiny', folder });
    const text = 'the heart risk of the world '.repeat(5000);
    const full = tokenizer.encodeText(text);
    const prefix = tokenizer.encodeText(text, 37);
    expect(prefix).toHaveLength(37);
    expect(Array.from(prefix)).toEqual(Array.from(full.subarray(0, 37)));
    expect(tokenizer.encodeText('')).toHaveLength(0);
  });

  it('puts token type 1 on the document and [SEP] after it', async () => {
    const folder = new URL('tiny-bert-cross-encoder/', fixtures).pathname;
    const { tokenizer } = await loadTokenizer({ modelId: 'tiny', folder });
    const pair = tokenizer.encodePair(tokenizer.encodeText('a b'), tokenizer.encodeText('c'), 512);
    expect(Array.from(pair.inputIds)).toEqual([
      tokenizer.clsId,
      ...tokenizer.encodeText('a b'),
      tokenizer.sepId,
      ...tokenizer.encodeText('c'),
      tokenizer.sepId,
    ]);
    expect(Array.from(pair.tokenTypeIds)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('gives equal fingerprints to equal vocabularies and different ones otherwise', async () => {
    const a = await loadTokenizer({
      modelId: 'a',
      folder: new URL('tiny-bert-cross-encoder/', fixtures).pathname,
    });
    const b = await loadTokenizer({
      modelId: 'b',
      folder: new URL('tiny-bert-no-token-types/', fixtures).pathname,
    });
    expect(a.tokenizer.fingerprint).toBe(b.tokenizer.fingerprint);
    expect(a.modelMaxLength).toBe(64);
  });

  it('truncates longest_first exactly like HF tokenizers (truncation.rs)', () => {
    expect(truncatedLengths(3, 4, 10)).toEqual([3, 4]);
    expect(truncatedLengths(2, 20, 10)).toEqual([2, 8]);
    expect(truncatedLengths(20, 2, 10)).toEqual([8, 2]);
    expect(truncatedLengths(10, 10, 7)).toEqual([3, 4]);
    expect(truncatedLengths(12, 10, 7)).toEqual([4, 3]);
    expect(truncatedLengths(6, 20, 10)).toEqual([5, 5]);
    expect(truncatedLengths(0, 0, 5)).toEqual([0, 0]);
  });
});
