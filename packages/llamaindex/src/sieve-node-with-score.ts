import type { Metadata, NodeWithScore } from '@llamaindex/core/schema';
import type { StageScores } from '@sieve/cascade';

/**
 * A `NodeWithScore` that Sieve ranked: a new wrapper (the caller's wrappers and nodes are never
 * changed) whose `score` is Sieve's score (the last stage's, for a cascade) and whose `scores`
 * holds every stage's score by stage id. LlamaIndex reads `node` and `score`; `scores` travels on
 * the wrapper, not in `node.metadata`, so it never reaches an LLM prompt or the caller's node.
 *
 * @example
 * ```ts
 * const [best] = await postprocessor.postprocessNodes(nodes, 'does aspirin help?');
 * console.log(best?.score, best?.scores); // 4.1 { retrieval: 5, prefilter: 2.3, rerank: 4.1 }
 * ```
 */
export interface SieveNodeWithScore<T extends Metadata = Metadata> extends NodeWithScore<T> {
  /** Sieve's score: the scorer's, or the cascade's last stage's. */
  score: number;
  /** Every score the node received, by stage id (`retrieval` for the fused retrieval score). */
  scores: StageScores;
}
