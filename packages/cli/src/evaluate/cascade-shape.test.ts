import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { defaultEvalShape, defaultSweep, parseCascadeShape } from './cascade-shape.js';

describe('parseCascadeShape', () => {
  it('reads every part of a shape', () => {
    expect(parseCascadeShape('bm25=100,tiny=30,minilm=5,prune=patience:2')).toEqual({
      id: 'bm25=100,tiny=30,minilm=5,prune=patience:2',
      retriever: 'bm25',
      retrievalTopK: 100,
      prefilterKeep: 30,
      rerank: true,
      topK: 5,
      prune: { policy: 'patience', batches: 2 },
    });
    expect(parseCascadeShape('bm25=100')).toMatchObject({ rerank: false, topK: 10 });
    expect(parseCascadeShape('bm25=100,tiny=8')).toMatchObject({ prefilterKeep: 8, topK: 8 });
    expect(parseCascadeShape('bm25=50,minilm=10,prune=gap:0.5').prune).toEqual({
      policy: 'scoreGap',
      gap: 0.5,
    });
    expect(parseCascadeShape('bm25=50,minilm=10,prune=bounded').prune).toEqual({
      policy: 'bounded',
    });
    for (const shape of [...defaultSweep, defaultEvalShape])
      expect(parseCascadeShape(shape).id).toBe(shape);
  });

  it('reads dense=N and hybrid=N as the retrieval part', () => {
    expect(parseCascadeShape('dense=50')).toEqual({
      id: 'dense=50',
      retriever: 'dense',
      retrievalTopK: 50,
      rerank: false,
      topK: 10,
      prune: { policy: 'none' },
    });
    expect(parseCascadeShape('hybrid=100,tiny=30,minilm=10')).toMatchObject({
      retriever: 'hybrid',
      retrievalTopK: 100,
      prefilterKeep: 30,
      rerank: true,
    });
    expect(parseCascadeShape('dense=5')).toMatchObject({ topK: 5 });
    expect(defaultSweep.map((shape) => parseCascadeShape(shape).retriever)).toEqual(
      expect.arrayContaining(['bm25', 'dense', 'hybrid']),
    );
  });

  it.each([
    ['tiny=30', /needs bm25=N, dense=N or hybrid=N/],
    ['bm25=100,dense=100', /names 2 retrievers \(bm25, dense\); give exactly one/],
    ['dense=10,hybrid=10,minilm=5', /names 2 retrievers \(dense, hybrid\)/],
    ['colbert=100', /unknown key 'colbert'.*known: bm25, dense, hybrid, tiny, minilm, prune/],
    ['dense=0', /dense must be a positive integer/],
    ['hybrid=10,tiny=20', /tiny=20 keeps more than hybrid=10/],
    ['bm25=0', /positive integer/],
    ['bm25=10,tiny=20', /keeps more than/],
    ['bm25=10,colbert=3', /unknown key 'colbert'/],
    ['bm25=10,bm25=20', /cannot read/],
    ['bm25=10,prune=patience:2', /does not have/],
    ['bm25=10,minilm=5,prune=sometimes', /patience:B, gap:G or bounded/],
    ['bm25=10,minilm=5,prune=bounded:2', /patience:B, gap:G or bounded/],
    ['bm25', /cannot read/],
  ])('rejects %s with a typed error', (shape, message) => {
    try {
      parseCascadeShape(shape);
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});
