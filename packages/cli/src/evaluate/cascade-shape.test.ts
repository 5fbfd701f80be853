import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { defaultEvalShape, defaultSweep, parseCascadeShape } from './cascade-shape.js';

describe('parseCascadeShape', () => {
  it('reads every part of a shape', () => {
    expect(parseCascadeShape('bm25=100,tiny=30,minilm=5,prune=patience:2')).toEqual({
      id: 'bm25=100,tiny=30,minilm=5,prune=patience:2',
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
    for (const shape of [...defaultSweep, defaultEvalShape])
      expect(parseCascadeShape(shape).id).toBe(shape);
  });

  it.each([
    ['tiny=30', /needs bm25/],
    ['bm25=0', /positive integer/],
    ['bm25=10,tiny=20', /keeps more than/],
    ['bm25=10,colbert=3', /unknown key 'colbert'/],
    ['bm25=10,bm25=20', /cannot read/],
    ['bm25=10,prune=patience:2', /does not have/],
    ['bm25=10,minilm=5,prune=sometimes', /patience:B or gap:G/],
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
