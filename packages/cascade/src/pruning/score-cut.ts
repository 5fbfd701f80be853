import { InvalidArgumentError } from '@sieve/core';
import type { PruningContext, PruningPolicy } from './pruning-policy.js';

/** Options shared by the cuts on the previous stage's scores. */
export interface ScoreCutOptions {
  /**
   * Always score at least this many candidates, whatever the cut says.
   * @default the stage's topK
   */
  minDepth?: number;
}

/**
 * Skips candidates whose previous-stage score is more than `gap` below the best previous score.
 *
 * @example
 * ```ts
 * prune: scoreGap({ gap: 4 }) // logits: skip what the prefilter put 4 below its best
 * ```
 */
export function scoreGap(options: ScoreCutOptions & { gap: number }): PruningPolicy {
  assertNonNegative(options.gap, 'gap', 'scoreGap');
  return cutPolicy(`scoreGap(${options.gap})`, options.minDepth, (previousScores) => {
    const best = Math.max(...previousScores);
    return (score) => score >= best - options.gap;
  });
}

/**
 * Skips candidates whose previous-stage score, min-max normalized over the stage's input, is below
 * `threshold` (0..1).
 *
 * @example
 * ```ts
 * prune: relativeThreshold({ threshold: 0.3 })
 * ```
 */
export function relativeThreshold(options: ScoreCutOptions & { threshold: number }): PruningPolicy {
  const { threshold } = options;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'threshold',
      message: `relativeThreshold: threshold must be within 0..1, got ${threshold}`,
    });
  }
  return cutPolicy(`relativeThreshold(${threshold})`, options.minDepth, (previousScores) => {
    const max = Math.max(...previousScores);
    const min = Math.min(...previousScores);
    const range = max - min;
    return (score) => range === 0 || (score - min) / range >= threshold;
  });
}

/** A policy that scores the prefix of candidates whose previous score passes `keep`. */
function cutPolicy(
  name: string,
  minDepth: number | undefined,
  makeKeep: (previousScores: readonly number[]) => (score: number) => boolean,
): PruningPolicy {
  if (minDepth !== undefined) assertNonNegative(minDepth, 'minDepth', name);
  return {
    name,
    plan(context: PruningContext) {
      const { previousScores } = context;
      if (previousScores.length === 0) return { maxDepth: 0 };
      const keep = makeKeep(previousScores);
      // Input is in previous-stage order, so the first failing candidate ends the prefix.
      let depth = previousScores.findIndex((score) => !keep(score));
      if (depth === -1) depth = previousScores.length;
      return { maxDepth: Math.max(depth, minDepth ?? context.topK) };
    },
  };
}

function assertNonNegative(value: number, argument: string, policy: string): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument,
      message: `${policy}: ${argument} must be a finite number >= 0, got ${value}`,
    });
  }
}
