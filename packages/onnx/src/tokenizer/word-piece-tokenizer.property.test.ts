// Property tests of the WordPiece tokenizer over hostile Unicode (NUL, lone surrogates, combining
// marks, RTL, emoji, CJK, runs of one character up to 20,000 code units). Fixed seed; 200 runs per
// property and vocabulary (100 for the long-text chunking property), on the fixture's 2,968 tokens
// and, when .cache/models/ms-marco-MiniLM-L-6-v2 exists, the real 30,522: 2-3 s per vocabulary.
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostileText, longRun } from '../../../core/src/test/hostile-text.js';
import { splitBertWords } from './bert-normalize.js';
import { loadTokenizer } from './load-tokenizer.js';
import type { WordPieceTokenizer } from './word-piece-tokenizer.js';

const seed = 20_240_611;
const numRuns = 200;
/** Far above the few milliseconds one call takes: only a hang or a quadratic blow-up trips it. */
const callBoundMs = 2_000;

const fixture = new URL('../__fixtures__/tiny-bert-cross-encoder/', import.meta.url).pathname;
const realVocabulary = new URL('../../../../.cache/models/ms-marco-MiniLM-L-6-v2/', import.meta.url)
  .pathname;
const hasRealVocabulary = existsSync(`${realVocabulary}tokenizer.json`);
if (!hasRealVocabulary) {
  console.warn(`[onnx] skipping the real-vocabulary properties: ${realVocabulary} is absent`);
}
// Both are uncased BERT vocabularies (lower-case, strip accents, split CJK).
const normalization = { lowercase: true, stripAccents: true, handleChineseChars: true };

function timed<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  expect(performance.now() - started).toBeLessThan(callBoundMs);
  return result;
}

function expectKnownIds(tokenizer: WordPieceTokenizer, ids: Int32Array): void {
  const unknown = Array.from(ids).filter(
    (id) => !(id >= 0 && id < tokenizer.vocabularySize) || tokenizer.idToToken(id) === undefined,
  );
  expect(unknown).toEqual([]);
}

const cases = [
  { name: 'fixture vocabulary', folder: fixture, present: true },
  {
    name: 'real ms-marco-MiniLM-L-6-v2 vocabulary',
    folder: realVocabulary,
    present: hasRealVocabulary,
  },
];

describe.each(cases)('WordPiece over hostile Unicode ($name)', ({ name, folder, present }) => {
  let tokenizer: WordPieceTokenizer;
  beforeAll(async () => {
    if (present) ({ tokenizer } = await loadTokenizer({ modelId: name, folder }));
  });

  it.skipIf(!present)(
    'encodeText never throws or hangs, stays within maxTokens, yields known ids, and is deterministic',
    async () => {
      const fresh = (await loadTokenizer({ modelId: name, folder })).tokenizer;
      fc.assert(
        fc.property(hostileText(), fc.integer({ min: 0, max: 600 }), (text, maxTokens) => {
          const full = timed(() => tokenizer.encodeText(text));
          const capped = timed(() => tokenizer.encodeText(text, maxTokens));
          expect(capped.length).toBeLessThanOrEqual(maxTokens);
          // The documented promise: the capped encoding is a prefix of the full one.
          expect(Array.from(capped)).toEqual(Array.from(full.subarray(0, maxTokens)));
          expectKnownIds(tokenizer, full);
          // Same input, same ids: again on the same (now cached) tokenizer and on a fresh one.
          expect(Array.from(tokenizer.encodeText(text))).toEqual(Array.from(full));
          expect(Array.from(fresh.encodeText(text))).toEqual(Array.from(full));
        }),
        { seed, numRuns },
      );
    },
    30_000,
  );

  it.skipIf(!present)(
    'encodePair fits maxLength, is [CLS] query [SEP] document [SEP], with known ids',
    () => {
      fc.assert(
        fc.property(
          hostileText(),
          hostileText(),
          fc.integer({ min: 3, max: 512 }),
          (query, document, maxLength) => {
            const encoded = timed(() =>
              tokenizer.encodePair(
                tokenizer.encodeText(query, maxLength),
                tokenizer.encodeText(document, maxLength),
                maxLength,
              ),
            );
            const length = encoded.inputIds.length;
            expect(length).toBeLessThanOrEqual(maxLength);
            expect(encoded.tokenTypeIds.length).toBe(length);
            expect(encoded.inputIds[0]).toBe(tokenizer.clsId);
            expect(encoded.inputIds[length - 1]).toBe(tokenizer.sepId);
            expectKnownIds(tokenizer, encoded.inputIds);
            const single = tokenizer.encodeSingle(
              tokenizer.encodeText(query, maxLength),
              maxLength,
            );
            expect(single.length).toBeLessThanOrEqual(maxLength);
          },
        ),
        { seed, numRuns },
      );
    },
    30_000,
  );

  it.skipIf(!present)(
    'cutting a long text into chunks changes nothing: ids equal the word-by-word encoding',
    () => {
      // Reference: the whole text split into BERT words at once, each word encoded alone (a word
      // over 100 characters is one [UNK], as in Hugging Face). encodeText cuts texts over 8,192
      // code units into chunks; the cut must never split a word or a surrogate pair.
      const reference = (text: string): number[] =>
        splitBertWords(text, normalization).flatMap((word) =>
          Array.from(word).length > 100
            ? [tokenizer.unkId]
            : Array.from(tokenizer.encodeText(word)),
        );
      const longText = fc
        .array(fc.oneof(hostileText({ maxRun: 200 }), longRun(20_000)), {
          minLength: 1,
          maxLength: 4,
        })
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(longText, (text) => {
          expect(Array.from(timed(() => tokenizer.encodeText(text)))).toEqual(reference(text));
        }),
        { seed, numRuns: numRuns / 2 },
      );
    },
    60_000,
  );

  it.skipIf(!present)('a run of one character longer than a chunk is one word', () => {
    for (const run of ['x'.repeat(9_000), 'a😀'.repeat(3_000), `a${'\u0000'.repeat(10_000)}b`]) {
      const ids = Array.from(tokenizer.encodeText(` ${run} `));
      expect(ids, JSON.stringify(run.slice(0, 8))).toEqual(
        run.startsWith('a\u0000') ? Array.from(tokenizer.encodeText('ab')) : [tokenizer.unkId],
      );
    }
  });
});
