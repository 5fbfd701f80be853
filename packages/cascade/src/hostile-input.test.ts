// Big and odd inputs through the public paths, on the tiny cross-encoder fixture of @sieve/onnx
// (fp32, same thread): a 1 MB and a 10 MB document (the tokenizer stops at maxLength), 10,000
// documents in one doScore call, NUL bytes and lone surrogates (scored, never refused), and ids
// that are not strings (InvalidArgumentError naming the field, never a crash or a coercion).
// Test-only dependencies: the package itself imports nothing but @sieve/core.
import { InvalidArgumentError, type ScorerV1 } from '@sieve/core';
import { MockScorerV1 } from '@sieve/core/test';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bigDocument,
  bigDocumentSizes,
  documentsWithId,
  invalidIds,
} from '../../core/src/test/hostile-text.js';
import { createCascade } from './index.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;
/** Far above what the fixture takes (tens of milliseconds): only a hang or a blow-up trips it. */
const boundMs = 20_000;

let encoder: CrossEncoder;
beforeAll(async () => {
  encoder = await createCrossEncoder({ model: fixture, dtype: 'fp32', execution: 'same-thread' });
});
afterAll(async () => {
  await encoder?.dispose();
});

async function timedScore(
  scorer: ScorerV1,
  query: string,
  texts: readonly string[],
): Promise<number[]> {
  const started = performance.now();
  const { scores } = await scorer.doScore({
    query,
    documents: texts.map((text, index) => ({ id: `d${index}`, text })),
  });
  expect(performance.now() - started).toBeLessThan(boundMs);
  expect(scores).toHaveLength(texts.length);
  for (const score of scores) expect(Number.isFinite(score)).toBe(true);
  return [...scores];
}

describe('cross-encoder on big and odd inputs', () => {
  it.each(bigDocumentSizes)(
    'scores a %s document in bounded time, as its first maxLength tokens',
    async (_, size) => {
      const huge = bigDocument(size);
      const [hugeScore, prefixScore] = await timedScore(encoder, 'aspirin stroke', [
        huge,
        // The same text cut well past maxLength tokens: the score only sees the first tokens.
        huge.slice(0, 20 * encoder.maxLength),
      ]);
      expect(hugeScore).toBeCloseTo(prefixScore!, 5);
    },
    60_000,
  );

  it('scores a 10 MB run of one character without a space (one word)', async () => {
    await timedScore(encoder, 'query', ['x'.repeat(10_000_000), '\u0000'.repeat(1_000_000)]);
  }, 60_000);

  it('scores 10,000 documents in one call, aligned with the input', async () => {
    const texts = Array.from(
      { length: 10_000 },
      (_, index) => `document ${index} about ${index % 2 === 0 ? 'aspirin' : 'coffee'}`,
    );
    const scores = await timedScore(encoder, 'aspirin', texts);
    // Order-independent: the same text scores the same wherever it sits in the batch.
    const [alone] = await timedScore(encoder, 'aspirin', [texts[9_998]!]);
    expect(scores[9_998]).toBeCloseTo(alone!, 4);
  }, 120_000);

  it('scores NUL bytes, lone surrogates and control characters in query and documents', async () => {
    const odd = [
      'aspirin\u0000stroke',
      '\ud800 lone high and low \udfff',
      '\u0000\u0000\u0000',
      '\ud83d',
      '\u200f\u202e RTL override مرحبا',
      'e\u0301\u0302\u0303 stacked marks',
    ];
    for (const query of ['\u0000aspirin\ud800', '\udfff', 'a\u0000']) {
      await timedScore(encoder, query, odd);
    }
  });
});

async function expectInvalidArgument(promise: Promise<unknown>, argument: string): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(InvalidArgumentError.isInstance(thrown), String(thrown)).toBe(true);
  expect((thrown as InvalidArgumentError).argument).toBe(argument);
}

describe('document ids that are not strings', () => {
  it.each(invalidIds)(
    'doScore refuses %s as documents[1].id with InvalidArgumentError',
    async (_, id) => {
      const documents = documentsWithId(id);
      await expectInvalidArgument(
        encoder.doScore({ query: 'aspirin', documents }),
        'documents[1].id',
      );
    },
  );

  it.each(invalidIds)(
    "the cascade's candidates refuse %s as candidates[1].id, before any stage runs",
    async (_, id) => {
      const scorer = new MockScorerV1({ stageId: 'mock', score: () => 1 });
      const cascade = createCascade({ stages: [{ scorer, topK: 2 }] });
      const candidates = documentsWithId(id);
      await expectInvalidArgument(
        cascade.search({ query: 'aspirin', candidates }),
        'candidates[1].id',
      );
      expect(scorer.calls).toHaveLength(0);
    },
  );
});
