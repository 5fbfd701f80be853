// BM25 under hostile input: property tests of the analyzer and the retriever over arbitrary
// Unicode (NUL, lone surrogates, combining marks, RTL, emoji, runs of one character up to 20,000
// code units), documents of 1 MB and 10 MB, and ids that are not strings. Fixed seed; 300 runs for
// the analyzer, 150 for the retriever (each run indexes up to 12 documents and asks 3 queries).
import { InvalidArgumentError, type SieveDocument } from '@sieve/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bigDocument,
  bigDocumentSizes,
  documentsWithId,
  hostilePieces,
  hostileText,
  invalidIds,
} from '../../../core/src/test/hostile-text.js';
import { createMemoryDocumentStore } from '../store/memory-document-store.js';
import { createAnalyzer } from './analyzer.js';
import { createBm25Retriever } from './bm25-retriever.js';

const seed = 20_240_611;
/** Far above the milliseconds one call takes: only a hang or a quadratic blow-up trips it. */
const callBoundMs = 2_000;

async function timed<T>(run: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  expect(performance.now() - started).toBeLessThan(callBoundMs);
  return result;
}

describe('BM25 analyzer over hostile Unicode', () => {
  const analyzers = [
    createAnalyzer(),
    createAnalyzer({ lowercase: false, stopWords: false, stem: false }),
    createAnalyzer({ stopWords: ['x', '', "'"], stem: true }),
  ];

  it('never throws or hangs; terms are non-empty strings, at most one per code point; same text, same terms', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(), fc.constantFrom(0, 1, 2), async (text, which) => {
        const analyze = analyzers[which]!;
        const terms = await timed(() => analyze(text));
        expect(Array.isArray(terms)).toBe(true);
        expect(terms.filter((term) => typeof term !== 'string' || term === '')).toEqual([]);
        expect(terms.length).toBeLessThanOrEqual(Array.from(text).length);
        expect(analyze(text)).toEqual(terms);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('a 10 MB run of one letter is one term, and 10 MB of mixed text finishes', async () => {
    const analyze = createAnalyzer();
    expect(await timed(() => analyze('a'.repeat(10_000_000)))).toHaveLength(1);
    const mixed = hostilePieces
      .join(' ')
      .repeat(Math.ceil(10_000_000 / 200))
      .slice(0, 10_000_000);
    expect((await timed(() => analyze(mixed))).length).toBeGreaterThan(0);
  });
});

const documentArbitrary = fc.uniqueArray(
  fc.record({
    id: fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.constantFrom(...hostilePieces),
    ),
    text: hostileText({ maxRun: 2_000 }),
    title: fc.option(hostileText({ maxRun: 200 }), { nil: undefined }),
  }),
  { selector: (document) => document.id, minLength: 1, maxLength: 12 },
);

describe('BM25 retriever over hostile documents and queries', () => {
  it('indexes anything; a search returns at most topK known ids with finite positive scores, best first', async () => {
    await fc.assert(
      fc.asyncProperty(
        documentArbitrary,
        fc.array(hostileText({ maxRun: 2_000 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom('contents', 'fields'),
        async (documents, queries, topK, fieldSet) => {
          const bm25 = createBm25Retriever(
            fieldSet === 'fields' ? { fields: { title: 2, text: 1 } } : {},
          );
          await timed(() => bm25.add(documents.map((document) => ({ ...document }))));
          expect(bm25.size).toBe(documents.length);
          const known = new Set(documents.map((document) => document.id));
          // Words of the documents as queries too, so that searches also hit.
          const all = [...queries, ...documents.map((document) => document.text.slice(0, 200))];
          for (const query of all) {
            if (query.trim() === '') {
              await expect(bm25.doRetrieve({ query, topK })).rejects.toSatisfy(
                (error: unknown) =>
                  InvalidArgumentError.isInstance(error) && error.argument === 'query',
              );
              continue;
            }
            const results = await timed(() => bm25.doRetrieve({ query, topK }));
            expect(results.length).toBeLessThanOrEqual(topK);
            for (const [rank, { id, score }] of results.entries()) {
              expect(known.has(id)).toBe(true);
              expect(Number.isFinite(score) && score > 0).toBe(true);
              if (rank > 0) expect(score).toBeLessThanOrEqual(results[rank - 1]!.score);
            }
            expect(new Set(results.map((result) => result.id)).size).toBe(results.length);
          }
        },
      ),
      { seed, numRuns: 150 },
    );
  }, 60_000);

  it.each(bigDocumentSizes)(
    'indexes and searches a %s document',
    async (_, size) => {
      const text = bigDocument(size);
      const bm25 = createBm25Retriever();
      bm25.add([
        { id: 'huge', text },
        { id: 'small', text: 'stroke risk' },
      ]);
      const results = await bm25.doRetrieve({ query: 'aspirin stroke', topK: 5 });
      expect(results.map((result) => result.id)).toContain('huge');
      for (const { score } of results) expect(Number.isFinite(score)).toBe(true);
    },
    60_000,
  );

  it('scores NUL bytes and lone surrogates in query and documents instead of refusing them', async () => {
    const bm25 = createBm25Retriever();
    bm25.add([
      { id: 'nul', text: 'aspirin\u0000stroke' },
      { id: 'surrogate', text: 'aspirin \ud800 stroke \udfff' },
      { id: '\u0000\ud800', text: 'plain aspirin' },
    ]);
    const results = await bm25.doRetrieve({ query: '\u0000aspirin\ud800', topK: 10 });
    expect(results.map((result) => result.id).sort()).toEqual(
      ['\u0000\ud800', 'nul', 'surrogate'].sort(),
    );
  });
});

interface Target {
  add(documents: SieveDocument[]): void;
  readonly size: number;
}

describe.each([
  ['BM25 retriever add', (): Target => createBm25Retriever()],
  ['memory document store add', (): Target => createMemoryDocumentStore()],
  [
    'memory document store creation',
    (): Target => ({ add: (documents) => createMemoryDocumentStore(documents), size: 0 }),
  ],
])('%s with an id that is not a string', (_, make) => {
  it.each(invalidIds)('%s: InvalidArgumentError naming documents[1].id, nothing added', (_, id) => {
    const target = make();
    const documents = documentsWithId(id);
    let thrown: unknown;
    try {
      target.add(documents);
    } catch (error) {
      thrown = error;
    }
    expect(InvalidArgumentError.isInstance(thrown)).toBe(true);
    expect((thrown as InvalidArgumentError).argument).toBe('documents[1].id');
    expect(target.size).toBe(0);
  });
});

describe('ids that are not strings elsewhere in retrieval', () => {
  it('remove() refuses them with InvalidArgumentError and removes nothing', () => {
    const bm25 = createBm25Retriever();
    const store = createMemoryDocumentStore();
    const documents = [{ id: '42', text: 'aspirin' }];
    bm25.add(documents);
    store.add(documents);
    for (const remove of [
      (ids: string[]) => bm25.remove(ids),
      (ids: string[]) => store.remove(ids),
    ]) {
      for (const [, id] of invalidIds) {
        expect(() => remove(['42', id] as string[])).toThrow(
          expect.objectContaining({ argument: 'ids' }),
        );
      }
    }
    expect(bm25.has('42')).toBe(true);
    expect(store.size).toBe(1);
  });

  it('the store never coerces: getDocuments([42]) is unknown, not document "42"', async () => {
    const store = createMemoryDocumentStore([{ id: '42', text: 'aspirin' }]);
    expect(await store.getDocuments([42, null, '42'] as unknown as string[])).toEqual([
      undefined,
      undefined,
      { id: '42', text: 'aspirin' },
    ]);
  });

  it('getDocuments refuses an argument that is not an array with InvalidArgumentError', async () => {
    const store = createMemoryDocumentStore([{ id: 'a', text: 'aspirin' }]);
    for (const ids of ['a', null, undefined, 42, { 0: 'a' }]) {
      await expect(store.getDocuments(ids as unknown as string[])).rejects.toSatisfy(
        (error: unknown) => InvalidArgumentError.isInstance(error) && error.argument === 'ids',
      );
    }
  });
});
