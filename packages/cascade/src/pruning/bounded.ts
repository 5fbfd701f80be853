import type { PruningPolicy, PruningProgress } from './pruning-policy.js';
import type { ScoreBound } from './score-bound.js';
import { kthLargest } from './top-k-threshold.js';

/**
 * Stops as soon as no unscored candidate can enter the stage's top-k: when the k-th best score so
 * far is at least the highest {@link ScoreBound.upper} of any unscored candidate's previous score.
 * Exact whenever the bound holds (ties go to the candidate scored first, which is also ranked
 * first). Fit the bound with `fitScoreBound` or `calibrateScoreBound`.
 *
 * @example
 * ```ts
 * const bound = await calibrateScoreBound({ previous: prefilter, next: reranker, samples });
 * stages: [{ scorer: reranker, topK: 10, batchSize: 8, prune: bounded({ bound }) }]
 * ```
 */
export function bounded(options: { bound: ScoreBound }): PruningPolicy {
  const { bound } = options;
  return {
    name: 'bounded',
    plan(context) {
      const { previousScores, topK } = context;
      // suffixMax[i]: the best next score any candidate from i on could reach. No monotonic
      // assumption on the bound is needed.
      const suffixMax = new Float64Array(previousScores.length + 1);
      suffixMax[previousScores.length] = Number.NEGATIVE_INFINITY;
      for (let index = previousScores.length - 1; index >= 0; index--) {
        const upper = bound.upper(previousScores[index]!);
        suffixMax[index] = Math.max(Number.isNaN(upper) ? Infinity : upper, suffixMax[index + 1]!);
      }
      return {
        shouldStop(progress: PruningProgress) {
          const threshold = kthLargest(progress.scores, progress.scoredCount, topK);
          return threshold >= suffixMax[progress.scoredCount]!;
        },
      };
    },
  };
}
