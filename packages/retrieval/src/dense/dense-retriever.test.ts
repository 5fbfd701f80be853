import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexFormatError, InvalidArgumentError, StageError } from '@sieve/core';
import { describeRetrieverConformance, MockEmbedderV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { createBm25Retriever } from '../bm25/bm25-retriever.js';
import { createHybridRetriever } from '../hybrid/hybrid-retriever.js';
import { createDenseRetriever, loadDenseRetriever } from './dense-retriever.js';

describeRetrieverConformance('dense (HNSW, mock embedder)', {
  create: async (corpus) => {
    const dense = await createDenseRetriever({ embedder: new MockEmbedderV1({ dimensions: 64 }) });
    await dense.add(corpus);
    return dense;
  },
});

describeRetrieverConformance('hybrid (BM25 + dense, RRF)', {
  create: async (corpus) => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const dense = await createDenseRetriever({ embedder: new MockEmbedderV1({ dimensions: 64 }) });
    await dense.add(corpus);
    return createHybridRetriever({ retrievers: [bm25, dense] });
  },
});

/** Deterministic pseudo-random unit vectors (mulberry32). */
function randomVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  let state = seed;
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return Array.from({ length: count }, () => Float32Array.from({ length: dimensions }, random));
}

describe('dense retriever', () => {
  it('HNSW recall@10 against exact search is >= 0.99 at the defaults on a SciFact-size corpus', async () => {
    // 5,183 vectors like SciFact's corpus, 384 dimensions like all-MiniLM-L6-v2, crowded into a
    // narrow cone (mean pairwise cosine ~0.99, as the generated bi-encoder's SciFact embeddings
    // are: the hard case) with weak cluster structure inside it. On this set the lighter M 16 /
    // efSearch 100 reaches only ~0.84; the defaults must reach 0.99.
    const axis = randomVectors(1, 384, 5)[0]!;
    const centers = randomVectors(50, 384, 7);
    const noise = randomVectors(5183, 384, 11);
    const crowd = (vector: Float32Array, center: Float32Array): Float32Array =>
      vector.map((value, unit) => axis[unit]! + 0.08 * (0.25 * center[unit]! + value));
    const vectors = noise.map((vector, index) => crowd(vector, centers[index % 50]!));
    const dense = await createDenseRetriever({ embedder: new MockEmbedderV1({ dimensions: 384 }) });
    await dense.addVectors(vectors.map((vector, index) => ({ id: `d${index}`, vector })));
    const queries = randomVectors(100, 384, 13).map((vector, index) =>
      crowd(vector, centers[(index * 7) % 50]!),
    );
    let found = 0;
    for (const query of queries) {
      const exact = new Set(
        dense.searchVector(query, 10, 'exact').map((candidate) => candidate.id),
      );
      found += dense
        .searchVector(query, 10, 'hnsw')
        .filter((candidate) => exact.has(candidate.id)).length;
    }
    const recall = found / (queries.length * 10);
    console.log(
      `[retrieval] HNSW recall@10 vs exact (5,183 crowded x 384, defaults): ${recall.toFixed(4)}`,
    );
    expect(recall).toBeGreaterThanOrEqual(0.99);
    // Building 5,183 vectors at the defaults takes ~4 s on 2 busy cores; vitest's 5 s default is too tight.
  }, 60_000);

  it('adds, removes, rejects wrong dimensions and duplicates without changing the index', async () => {
    const dense = await createDenseRetriever({ embedder: new MockEmbedderV1({ dimensions: 4 }) });
    await dense.addVectors([
      { id: 'a', vector: [1, 0, 0, 0] },
      { id: 'b', vector: [0, 1, 0, 0] },
    ]);
    await expect(dense.addVectors([{ id: 'c', vector: [1, 0, 0] }])).rejects.toThrow(
      /3 dimensions/,
    );
    await expect(
      dense.addVectors([
        { id: 'c', vector: [1, 0, 0, 0] },
        { id: 'a', vector: [1, 0, 0, 0] },
      ]),
    ).rejects.toSatisfy(InvalidArgumentError.isInstance);
    expect(() => dense.remove(['a', 'zz'])).toThrow(/nothing was removed/);
    expect(dense.size).toBe(2);
    expect(dense.searchVector([1, 0.1, 0, 0], 2).map((candidate) => candidate.id)).toEqual([
      'a',
      'b',
    ]);
    dense.remove(['a']);
    expect(dense.searchVector([1, 0.1, 0, 0], 2).map((candidate) => candidate.id)).toEqual(['b']);
    expect(dense.searchVector([1, 0.1, 0, 0], 2, 'exact').map((candidate) => candidate.id)).toEqual(
      ['b'],
    );
  });

  it('returns [] before anything is indexed, and types a broken embedder', async () => {
    const empty = await createDenseRetriever({ embedder: new MockEmbedderV1() });
    expect(await empty.doRetrieve({ query: 'x', topK: 3 })).toEqual([]);
    const broken = await createDenseRetriever({
      embedder: {
        specificationVersion: 'v1',
        modelId: 'broken',
        dimensions: 4,
        doEmbed: async () => ({ embeddings: [] }),
      },
    });
    await expect(broken.add([{ id: 'a', text: 'x' }])).rejects.toSatisfy(StageError.isInstance);
    expect(broken.size).toBe(0);
  });

  it('saves and loads; refuses a corrupt folder or another embedder', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-dense-'));
    const embedder = new MockEmbedderV1({ dimensions: 16 });
    const dense = await createDenseRetriever({ embedder });
    await dense.add([
      { id: 'a', text: 'aspirin heart' },
      { id: 'b', text: 'paris tower' },
      { id: 'c', text: 'sleep hours' },
    ]);
    dense.remove(['c']);
    await dense.save(folder);
    const loaded = await loadDenseRetriever(folder, { embedder });
    expect(loaded.size).toBe(2);
    expect(await loaded.doRetrieve({ query: 'paris tower', topK: 2 })).toEqual(
      await dense.doRetrieve({ query: 'paris tower', topK: 2 }),
    );
    await expect(
      loadDenseRetriever(folder, { embedder: new MockEmbedderV1({ dimensions: 8 }) }),
    ).rejects.toSatisfy(IndexFormatError.isInstance);
    const vectorsFile = readdirSync(folder).find((name) => name.startsWith('vectors.'))!;
    writeFileSync(join(folder, vectorsFile), 'garbage');
    await expect(loadDenseRetriever(folder, { embedder })).rejects.toSatisfy(
      IndexFormatError.isInstance,
    );
  });

  it('a save cut short leaves the previous index loadable; a finished one leaves no stale files', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-dense-crash-'));
    const scratch = mkdtempSync(join(tmpdir(), 'sieve-dense-next-'));
    const embedder = new MockEmbedderV1({ dimensions: 16 });
    const first = await createDenseRetriever({ embedder });
    await first.add([
      { id: 'a', text: 'aspirin heart' },
      { id: 'b', text: 'paris tower' },
    ]);
    await first.save(folder);
    const before = await first.doRetrieve({ query: 'paris', topK: 2 });
    // The next version's data files land (a save killed before dense.json was renamed in).
    await first.add([{ id: 'c', text: 'sleep hours' }]);
    await first.save(scratch);
    for (const name of readdirSync(scratch).filter((file) => file !== 'dense.json')) {
      copyFileSync(join(scratch, name), join(folder, name));
    }
    const survived = await loadDenseRetriever(folder, { embedder });
    expect(survived.size).toBe(2);
    expect(await survived.doRetrieve({ query: 'paris', topK: 2 })).toEqual(before);
    // A finished save points at its own files and deletes the previous ones.
    await first.save(folder);
    const files = readdirSync(folder).sort();
    expect(files.filter((name) => name.startsWith('hnsw.'))).toHaveLength(1);
    expect(files.filter((name) => name.startsWith('vectors.'))).toHaveLength(1);
    expect((await loadDenseRetriever(folder, { embedder })).size).toBe(3);
  });

  it('getVector hands out a copy of an indexed vector, also after a save and load', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-dense-vector-'));
    const embedder = new MockEmbedderV1({ dimensions: 16 });
    const dense = await createDenseRetriever({ embedder, space: 'ip' });
    await dense.addVectors([{ id: 'a', vector: Array.from({ length: 16 }, (_, index) => index) }]);
    const vector = dense.getVector('a')!;
    expect(Array.from(vector)).toEqual(Array.from({ length: 16 }, (_, index) => index));
    vector[0] = 99;
    expect(dense.getVector('a')![0]).toBe(0);
    expect(dense.getVector('nope')).toBeUndefined();
    await dense.save(folder);
    const loaded = await loadDenseRetriever(folder, { embedder });
    expect(Array.from(loaded.getVector('a')!)).toEqual(Array.from(dense.getVector('a')!));
  });
});
