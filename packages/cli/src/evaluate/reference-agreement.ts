import { InvalidArgumentError } from '@sieve/core';
import type { ShapeEvaluation } from '../results/evaluation-result.js';
import { type CascadeShape, parseCascadeShape } from './cascade-shape.js';

/** A shape's id without spaces: `bm25=100, minilm=10` and `bm25=100,minilm=10` are one shape. */
const canonical = (id: string): string => id.replace(/\s+/g, '');

/**
 * The shapes to run and the reference among them. With `reference` (`--reference SHAPE`) that
 * shape is the reference; it is run too (appended) when `shapes` lacks it. Without it the
 * reference is the full rerank: the shape with a reranker, no prefilter and no pruning that
 * retrieves deepest (the first such on a tie); none when no shape is one.
 *
 * Throws an InvalidArgumentError for a shape, or a reference, that cannot be read.
 *
 * @example
 * ```ts
 * planReference(['bm25=100', 'bm25=50,minilm=10', 'bm25=100,minilm=10']).reference?.id;
 * // 'bm25=100,minilm=10'
 * ```
 */
export function planReference(
  shapes: readonly string[],
  reference?: string,
): { shapes: CascadeShape[]; reference: CascadeShape | undefined } {
  const parsed = shapes.map(parseCascadeShape);
  if (reference !== undefined) {
    let named: CascadeShape;
    try {
      named = parseCascadeShape(reference);
    } catch (error) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'reference',
        message: `--reference: ${(error as Error).message.replace(/^\[cli\] /, '')}`,
        cause: error,
      });
    }
    const existing = parsed.find((shape) => canonical(shape.id) === canonical(named.id));
    if (existing) return { shapes: parsed, reference: existing };
    return { shapes: [...parsed, named], reference: named };
  }
  let best: CascadeShape | undefined;
  for (const shape of parsed) {
    const fullRerank =
      shape.rerank && shape.prefilterKeep === undefined && shape.prune.policy === 'none';
    if (fullRerank && (best === undefined || shape.retrievalTopK > best.retrievalTopK)) {
      best = shape;
    }
  }
  return { shapes: parsed, reference: best };
}

/**
 * How much of the reference's top 10 a ranking shares: |top 10 ∩ reference top 10| divided by 10,
 * or by the longer of the two lists when both are shorter (a small top-k, a retriever that found
 * fewer); 1 when both are empty.
 *
 * @example
 * ```ts
 * topAgreement(['a', 'b', 'c'], ['c', 'a', 'x']); // 2 / 3
 * ```
 */
export function topAgreement(
  ranked: readonly string[],
  reference: readonly string[],
  k = 10,
): number {
  const mine = ranked.slice(0, k);
  const theirs = new Set(reference.slice(0, k));
  const divisor = Math.max(mine.length, theirs.size);
  if (divisor === 0) return 1;
  return mine.filter((id) => theirs.has(id)).length / divisor;
}

/**
 * Each evaluation with `agreementAt10` (mean over queries of {@link topAgreement} with the
 * reference's top 10) and `costFraction` (its mean per-query latency over the reference's), both
 * from this run; both null without a reference. The evaluations must cover the same queries in
 * the same order, as the shapes of one run do.
 */
export function compareWithReference(
  evaluations: readonly ShapeEvaluation[],
  reference: ShapeEvaluation | undefined,
): ShapeEvaluation[] {
  return evaluations.map((evaluation) => {
    if (reference === undefined) return { ...evaluation, agreementAt10: null, costFraction: null };
    const agreement =
      evaluation.topIds.reduce(
        (sum, ids, query) => sum + topAgreement(ids, reference.topIds[query] ?? []),
        0,
      ) / Math.max(1, evaluation.topIds.length);
    const referenceMs = reference.latencyMs.mean;
    return {
      ...evaluation,
      agreementAt10: agreement,
      costFraction:
        evaluation === reference
          ? 1
          : referenceMs > 0
            ? evaluation.latencyMs.mean / referenceMs
            : null,
    };
  });
}
