/** Options of one {@link RetrieverV1.doRetrieve} call. */
export interface RetrieverV1CallOptions {
  /** The query text. Never empty. */
  query: string;
  /** How many candidates to return at most. A positive integer. */
  topK: number;
  /** Cancels the call; the retriever should stop work and reject with the signal's reason. */
  abortSignal?: AbortSignal;
}

/** One retrieved candidate: a document id and the retriever's score (higher is better). */
export interface RetrievedCandidate {
  /** The document id. */
  id: string;
  /** The retriever's score; only the order within one result is meaningful. */
  score: number;
}

/**
 * A first-stage retriever, version 1 of the spec. Structural: any object of this shape is one.
 *
 * Contract (checked by `describeRetrieverConformance` in `@sieve/core/test`): results are sorted by
 * descending score, hold at most `topK` candidates and no duplicate id; an empty query or a `topK`
 * that is not a positive integer rejects with `InvalidArgumentError`; a query that matches nothing
 * resolves to `[]`.
 *
 * @example
 * ```ts
 * const retriever: RetrieverV1 = {
 *   specificationVersion: 'v1',
 *   stageId: 'constant',
 *   async doRetrieve({ topK }) { return [{ id: 'a', score: 1 }].slice(0, topK); },
 * };
 * ```
 */
export interface RetrieverV1 {
  /** The spec version this object implements. */
  readonly specificationVersion: 'v1';
  /** Unique id of this stage in a cascade, e.g. `bm25`, `dense`. */
  readonly stageId: string;
  /** Returns the best candidates for the query, best first. */
  doRetrieve(options: RetrieverV1CallOptions): PromiseLike<readonly RetrievedCandidate[]>;
}
