import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexFormatError, InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import { describeRetrieverConformance } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from './analyzer.js';
import { createBm25Retriever, loadBm25Retriever } from './bm25-retriever.js';

describeRetrieverConformance('BM25', {
  create: (corpus) => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    return bm25;
  },
});

describeRetrieverConformance('BM25 (title and text fields)', {
  create: (corpus) => {
    const bm25 = createBm25Retriever({ fields: { title: 2, text: 1 }, k1: 1.2, b: 0.75 });
    bm25.add(corpus);
    return bm25;
  },
});

const docs = [
  { id: 'a', title: 'Aspirin', text: 'Aspirin lowers the risk of heart attacks.' },
  { id: 'b', title: 'Running', text: "The runner's shoes were running shoes." },
  { id: 'c', title: 'Heart', text: 'Heart disease and heart failure.' },
];
const ids = (results: { id: string }[]) => results.map((result) => result.id);

describe('analyzer', () => {
  it('lower-cases, drops English stop words and possessives, and stems', () => {
    expect(createAnalyzer()("The runner's shoes were Running")).toEqual([
      'runner',
      'shoe',
      'were',
      'run',
    ]);
    expect(createAnalyzer({ stem: false, stopWords: false })('The Cafés')).toEqual([
      'the',
      'cafés',
    ]);
    expect(createAnalyzer()('IL-6 and TNF-α 3.5')).toEqual(['il', '6', 'tnf', 'α', '3', '5']);
  });
});

describe('BM25 retriever', () => {
  it('ranks by BM25 and supports incremental add and remove', async () => {
    const bm25 = createBm25Retriever();
    bm25.add(docs);
    expect(ids(await bm25.doRetrieve({ query: 'heart', topK: 5 }))).toEqual(['c', 'a']);
    bm25.remove(['c']);
    expect(bm25.size).toBe(2);
    expect(bm25.has('c')).toBe(false);
    expect(ids(await bm25.doRetrieve({ query: 'heart', topK: 5 }))).toEqual(['a']);
    bm25.add([{ id: 'c', text: 'heart heart heart' }]);
    expect(ids(await bm25.doRetrieve({ query: 'heart', topK: 5 }))).toEqual(['c', 'a']);
  });

  it('gives [] before anything is indexed and for a query of stop words only', async () => {
    const bm25 = createBm25Retriever();
    expect(await bm25.doRetrieve({ query: 'heart', topK: 3 })).toEqual([]);
    bm25.add(docs);
    expect(await bm25.doRetrieve({ query: 'the of and', topK: 3 })).toEqual([]);
  });

  it('rejects duplicates, unknown removals and bad documents without changing the index', async () => {
    const bm25 = createBm25Retriever();
    bm25.add(docs);
    const before = await bm25.doRetrieve({ query: 'heart aspirin running', topK: 5 });
    expect(() =>
      bm25.add([
        { id: 'z', text: 'new' },
        { id: 'a', text: 'again' },
      ]),
    ).toThrow(InvalidArgumentError);
    expect(() => bm25.add([{ id: 'y', text: 1 as never }])).toThrow(InvalidArgumentError);
    expect(() => bm25.add([{ id: 'x', text: 'ok', title: 5 as never }])).toThrow(
      InvalidArgumentError,
    );
    expect(() => bm25.remove(['a', 'nope'])).toThrow(/nothing was removed/);
    expect(bm25.size).toBe(3);
    expect(bm25.has('z')).toBe(false);
    expect(await bm25.doRetrieve({ query: 'heart aspirin running', topK: 5 })).toEqual(before);
  });

  it('indexes empty and huge texts', async () => {
    const bm25 = createBm25Retriever();
    bm25.add([
      { id: 'empty', text: '' },
      { id: 'huge', text: `${'word '.repeat(200_000)}needle` },
    ]);
    expect(ids(await bm25.doRetrieve({ query: 'needle', topK: 5 }))).toEqual(['huge']);
  });

  it('saves atomically and loads an identical index (removed documents compacted away)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-bm25-'));
    const bm25 = createBm25Retriever({ fields: { title: 1, text: 1 } });
    bm25.add(docs);
    bm25.remove(['b']);
    const path = join(folder, 'bm25.json');
    await bm25.save(path);
    const loaded = await loadBm25Retriever(path);
    expect(loaded.size).toBe(2);
    for (const query of ['heart', 'aspirin risk', 'running']) {
      expect(await loaded.doRetrieve({ query, topK: 5 })).toEqual(
        await bm25.doRetrieve({ query, topK: 5 }),
      );
    }
    loaded.add([{ id: 'b', text: 'running again' }]);
    expect(ids(await loaded.doRetrieve({ query: 'running', topK: 5 }))).toEqual(['b']);
  });

  it('refuses corrupt, truncated, foreign and newer files with IndexFormatError', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-bm25-'));
    const path = join(folder, 'bm25.json');
    const bm25 = createBm25Retriever();
    bm25.add(docs);
    await bm25.save(path);
    const text = readFileSync(path, 'utf8');
    const cases: [string, string][] = [
      ['truncated', text.slice(0, text.length / 2)],
      ['corrupt', text.replace('"aspirin"', '"aspirim"')],
      ['foreign', JSON.stringify({ format: 'other', version: 1, payload: {} })],
      ['newer', text.replace('"version":1', '"version":99')],
    ];
    for (const [name, content] of cases) {
      writeFileSync(path, content);
      const error = await loadBm25Retriever(path).catch((caught: unknown) => caught);
      expect(IndexFormatError.isInstance(error), name).toBe(true);
    }
    await expect(loadBm25Retriever(join(folder, 'missing.json'))).rejects.toSatisfy(
      IndexFormatError.isInstance,
    );
  });

  it('validates settings once', () => {
    expect(() => createBm25Retriever({ b: 2 })).toThrow(InvalidConfigError);
    expect(() => createBm25Retriever({ fields: { title: 0 } })).toThrow(/at least one field/);
  });
});

describe('createBm25Retriever settings', () => {
  it('refuses an unknown key instead of ignoring it (a misspelt option would be silently lost)', () => {
    expect(() =>
      createBm25Retriever({ documents: [] } as unknown as Parameters<
        typeof createBm25Retriever
      >[0]),
    ).toThrow(/documents/);
  });
});
