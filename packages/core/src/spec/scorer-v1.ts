import type { InferenceTimings } from '../measurement/inference-timings.js';
/** A document as a scorer sees it. */
export interface ScorerV1Document {
  /** The document id. */
  id: string;
  /** The document text. */
  text: string;
}

/** Options of one {@link ScorerV1.doScore} call. */
export interface ScorerV1CallOptions {
  /** The query text. Never empty. */
  query: string;
  /** The documents to score against the query. Never empty. */
  documents: readonly ScorerV1Document[];
  /** Cancels the call; the scorer should stop work and reject with the signal's reason. */
  abortSignal?: AbortSignal;
}

/** Result of one {@link ScorerV1.doScore} call. */
export interface ScorerV1Result {
  /** One score per input document, in input order (higher is more relevant). */
  scores: readonly number[];
  /**
   * Tokens each pair used (query and document, special tokens included), in input order, when the
   * scorer knows them. Lets the cascade report tokens per second.
   */
  tokenCounts?: readonly number[];
  /**
   * Where the call's time went (tokenize, pack, transfer, feed, run, return), summed over its
   * batches, when the scorer measures it. The cascade adds it up per stage.
   */
  timings?: InferenceTimings;
}

/**
 * A (query, document) scorer such as a cross-encoder, version 1 of the spec.
 *
 * Contract (checked by `describeScorerConformance` in `@sieve/core/test`): scores are finite,
 * aligned with the input and independent of the order and grouping of the documents; an empty
 * query, an empty `documents` array or a non-string text rejects with `InvalidArgumentError`.
 *
 * @example
 * ```ts
 * const scorer: ScorerV1 = {
 *   specificationVersion: 'v1',
 *   stageId: 'length',
 *   modelId: 'length',
 *   async doScore({ documents }) { return { scores: documents.map((d) => d.text.length) }; },
 * };
 * ```
 */
export interface ScorerV1 {
  /** The spec version this object implements. */
  readonly specificationVersion: 'v1';
  /** Unique id of this stage in a cascade, e.g. `prefilter`, `rerank`. */
  readonly stageId: string;
  /** The model behind the scores, e.g. `cross-encoder/ms-marco-MiniLM-L-6-v2`. */
  readonly modelId: string;
  /** Scores each document against the query. */
  doScore(options: ScorerV1CallOptions): PromiseLike<ScorerV1Result>;
  /** Frees sessions, workers and memory. The scorer must not be used afterwards. */
  dispose?(): PromiseLike<void> | void;
}
