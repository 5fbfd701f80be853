import { InvalidArgumentError } from '@sieve/core';
import type { PruningPolicy } from './pruning-policy.js';

/**
 * Scores only the first `depth` candidates (in the previous stage's order).
 *
 * @example
 * ```ts
 * stages: [{ scorer: reranker, topK: 10, prune: fixedDepth(30) }]
 * ```
 */
export function fixedDepth(depth: number): PruningPolicy {
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'depth',
      message: `fixedDepth(depth): depth must be an integer >= 0, got ${depth}`,
    });
  }
  return { name: `fixedDepth(${depth})`, plan: () => ({ maxDepth: depth }) };
}
