import { InvalidArgumentError } from '@sieve/core';
import type { PruningPolicy, PruningProgress } from './pruning-policy.js';
import { topKIndices } from './top-k-threshold.js';

/**
 * Stops once the last `batches` batches changed nothing in the stage's current top-k (same
 * members), after at least `minDepth` candidates. A heuristic: it trusts that the previous stage
 * ranked the rest lower.
 *
 * @example
 * ```ts
 * stages: [{ scorer: reranker, topK: 10, batchSize: 8, prune: patience(2) }]
 * ```
 */
export function patience(batches: number, options: { minDepth?: number } = {}): PruningPolicy {
  if (!Number.isSafeInteger(batches) || batches < 1) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'batches',
      message: `patience(batches): batches must be an integer >= 1, got ${batches}`,
    });
  }
  return {
    name: `patience(${batches})`,
    plan(context) {
      const minDepth = options.minDepth ?? context.topK;
      let previousTop = '';
      let unchanged = 0;
      return {
        shouldStop(progress: PruningProgress) {
          const top = topKIndices(progress.scores, progress.scoredCount, context.topK)
            .sort((a, b) => a - b)
            .join(',');
          unchanged = top === previousTop ? unchanged + 1 : 0;
          previousTop = top;
          return progress.scoredCount >= minDepth && unchanged >= batches;
        },
      };
    },
  };
}
