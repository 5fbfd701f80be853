import { InvalidArgumentError, type LatencySummary } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import type { ShapeEvaluation } from '../results/evaluation-result.js';
import { defaultSweep } from './cascade-shape.js';
import { compareWithReference, planReference, topAgreement } from './reference-agreement.js';

const latency = (mean: number): LatencySummary => ({
  count: 2,
  mean,
  min: mean,
  p50: mean,
  p95: mean,
  p99: mean,
  max: mean,
});

/** An evaluation with only what the comparison reads. */
const evaluation = (shape: string, mean: number, topIds: string[][]): ShapeEvaluation =>
  ({ shape, latencyMs: latency(mean), topIds }) as unknown as ShapeEvaluation;

describe('planReference', () => {
  it('takes the full rerank that retrieves deepest: a reranker, no prefilter, no pruning', () => {
    const shapes = [
      'bm25=200,minilm=10,prune=patience:2',
      'bm25=50,minilm=10',
      'bm25=300,tiny=30,minilm=10',
      'hybrid=100,minilm=10',
      'bm25=100,minilm=10',
      'dense=100',
    ];
    const { shapes: parsed, reference } = planReference(shapes);
    expect(parsed.map((shape) => shape.id)).toEqual(shapes);
    // hybrid=100 and bm25=100 tie on depth: the first one given wins.
    expect(reference?.id).toBe('hybrid=100,minilm=10');
    expect(planReference(defaultSweep).reference?.id).toBe('bm25=100,minilm=10');
    expect(planReference(['bm25=100', 'bm25=100,tiny=30,minilm=10']).reference).toBeUndefined();
  });

  it('takes --reference, running it too when the shapes lack it', () => {
    const named = planReference(['bm25=100', 'bm25=50,minilm=10'], 'bm25=100');
    expect(named.reference).toBe(named.shapes[0]);
    // Spaces do not make another shape.
    const spaced = planReference(['bm25=100, minilm=10', 'dense=10'], 'bm25=100,minilm=10');
    expect(spaced.shapes).toHaveLength(2);
    expect(spaced.reference?.id).toBe('bm25=100, minilm=10');
    const added = planReference(['bm25=100'], 'bm25=200,minilm=10');
    expect(added.shapes.map((shape) => shape.id)).toEqual(['bm25=100', 'bm25=200,minilm=10']);
    expect(added.reference).toBe(added.shapes[1]);
    try {
      planReference(['bm25=100'], 'minilm=10');
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/--reference: shape 'minilm=10' needs bm25=N/);
    }
  });
});

describe('topAgreement', () => {
  it('is the share of the top 10 two rankings have in common', () => {
    const ten = Array.from({ length: 10 }, (_, index) => `d${index}`);
    expect(topAgreement(ten, ten)).toBe(1);
    expect(topAgreement(ten, [...ten].reverse())).toBe(1);
    expect(topAgreement([...ten.slice(0, 7), 'x', 'y', 'z'], ten)).toBeCloseTo(0.7);
    // Only the top 10 of a longer list count.
    expect(topAgreement([...ten.slice(5), ...ten.slice(0, 5)], [...ten, 'x'])).toBe(1);
    expect(topAgreement(['x', ...ten], ten)).toBeCloseTo(0.9);
  });

  it('divides by the longer of two short lists; two empty lists agree', () => {
    expect(topAgreement(['a', 'b', 'c'], ['c', 'a', 'x'])).toBeCloseTo(2 / 3);
    expect(topAgreement(['a'], ['a', 'b'])).toBe(0.5);
    expect(topAgreement([], [])).toBe(1);
    expect(topAgreement([], ['a'])).toBe(0);
  });
});

describe('compareWithReference', () => {
  it('gives the reference agreement 1 and cost 1, and every other shape its share of both', () => {
    const reference = evaluation('bm25=100,minilm=10', 40, [
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const cheap = evaluation('bm25=100', 10, [
      ['a', 'x'],
      ['d', 'c'],
    ]);
    const [first, second] = compareWithReference([cheap, reference], reference);
    expect(first).toMatchObject({ agreementAt10: 0.75, costFraction: 0.25 });
    expect(second).toMatchObject({ agreementAt10: 1, costFraction: 1 });
    // The inputs are left as they were.
    expect(cheap).not.toHaveProperty('agreementAt10');
  });

  it('leaves both columns null without a reference', () => {
    const [only] = compareWithReference([evaluation('bm25=10', 5, [['a']])], undefined);
    expect(only).toMatchObject({ agreementAt10: null, costFraction: null });
  });
});
