import { InvalidArgumentError } from '@sieve/core';
import type { TunedShape, TuneTarget } from './tune-result.js';

/** Tolerance of the comparisons with the target: agreement is a mean of fractions. */
const epsilon = 1e-9;

/**
 * The shape to write. With `minAgreement`: the cheapest (estimated) whose top-k overlap reaches
 * it, the more agreeing on a tie. With `budgetMs`: the most agreeing (overlap, then RBO) whose
 * estimate fits, the cheaper on a tie. Throws an InvalidArgumentError naming the cheapest shape
 * when none fits the budget.
 *
 * @example
 * ```ts
 * chooseShape(shapes, { minAgreement: 0.95 }).shape; // 'bm25=50,minilm=10'
 * ```
 */
export function chooseShape(shapes: readonly TunedShape[], target: TuneTarget): TunedShape {
  const byCost = [...shapes].sort(
    (a, b) => a.estimatedMs - b.estimatedMs || b.overlap - a.overlap || b.rbo - a.rbo,
  );
  if ('minAgreement' in target) {
    const chosen = byCost.find((shape) => shape.overlap >= target.minAgreement - epsilon);
    if (chosen) return chosen;
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'min-agreement',
      message: `no shape reaches --min-agreement ${target.minAgreement}`,
    });
  }
  const fitting = byCost.filter((shape) => shape.estimatedMs <= target.budgetMs + epsilon);
  if (fitting.length === 0) {
    const cheapest = byCost[0];
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'budget-ms',
      message: `no shape fits --budget-ms ${target.budgetMs}${cheapest ? `: the cheapest, ${cheapest.shape}, is estimated at ${cheapest.estimatedMs.toFixed(1)} ms per query on this machine` : ''}`,
    });
  }
  return fitting.reduce((best, shape) =>
    shape.overlap > best.overlap + epsilon ||
    (Math.abs(shape.overlap - best.overlap) <= epsilon && shape.rbo > best.rbo + epsilon)
      ? shape
      : best,
  );
}

/**
 * The shape relevance labels would choose: the cheapest (estimated) whose nDCG@10 reaches
 * `share` of the reference's (the issue's target: 99%). Undefined without judgments.
 *
 * @example
 * ```ts
 * chooseByLabels(shapes, reference)?.shape; // 'bm25=30,minilm=10'
 * ```
 */
export function chooseByLabels(
  shapes: readonly TunedShape[],
  reference: TunedShape,
  share = 0.99,
): TunedShape | undefined {
  if (reference.ndcgAt10 === null) return undefined;
  const floor = reference.ndcgAt10 * share - epsilon;
  return [...shapes]
    .sort((a, b) => a.estimatedMs - b.estimatedMs || (b.ndcgAt10 ?? 0) - (a.ndcgAt10 ?? 0))
    .find((shape) => shape.ndcgAt10 !== null && shape.ndcgAt10 >= floor);
}
