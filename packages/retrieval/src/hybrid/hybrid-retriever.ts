import {
  assertQuery,
  assertTopK,
  type FusionSettings,
  fuse,
  InvalidArgumentError,
  type RetrievedCandidate,
  type RetrieverV1,
  type RetrieverV1CallOptions,
  StageError,
} from '@sieve/core';

/** Settings of {@link createHybridRetriever}. */
export interface HybridRetrieverSettings {
  /** Retrievers to run concurrently, optionally weighted. */
  retrievers: ReadonlyArray<RetrieverV1 | { retriever: RetrieverV1; weight: number }>;
  /** @default { type: 'rrf', k: 60 } */
  fusion?: FusionSettings;
  /**
   * Depth asked of each retriever, as a multiple of the call's topK (fusion needs more than topK
   * from each to rank the union well).
   * @default 2
   */
  depthFactor?: number;
  /** @default 'hybrid' */
  stageId?: string;
}

/**
 * A retriever that runs several retrievers concurrently and fuses their rankings (reciprocal rank
 * fusion with k = 60 by default, or weighted min-max normalized scores), deduplicating ids.
 *
 * @example
 * ```ts
 * const hybrid = createHybridRetriever({ retrievers: [bm25, dense] });
 * await hybrid.doRetrieve({ query: 'aspirin stroke', topK: 100 });
 * ```
 */
export function createHybridRetriever(settings: HybridRetrieverSettings): RetrieverV1 & {
  doRetrieve(options: RetrieverV1CallOptions): Promise<RetrievedCandidate[]>;
} {
  const entries = (settings.retrievers ?? []).map((entry) =>
    'retriever' in entry ? entry : { retriever: entry, weight: 1 },
  );
  if (
    entries.length === 0 ||
    entries.some(
      (entry) => typeof entry.retriever?.doRetrieve !== 'function' || !(entry.weight > 0),
    )
  ) {
    throw new InvalidArgumentError({
      component: 'retrieval',
      argument: 'retrievers',
      message: 'pass one or more RetrieverV1 (or { retriever, weight } with weight > 0)',
    });
  }
  const fusion = settings.fusion ?? { type: 'rrf', k: 60 };
  const depthFactor = settings.depthFactor ?? 2;
  return {
    specificationVersion: 'v1',
    stageId: settings.stageId ?? 'hybrid',
    async doRetrieve(options) {
      const query = assertQuery(options.query, 'retrieval');
      const topK = assertTopK(options.topK, 'retrieval');
      const depth = Math.ceil(topK * depthFactor);
      const results = await Promise.all(
        entries.map(async ({ retriever, weight }) => {
          try {
            return {
              candidates: await retriever.doRetrieve({
                query,
                topK: depth,
                ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
              }),
              weight,
            };
          } catch (error) {
            if (options.abortSignal?.aborted) throw options.abortSignal.reason;
            throw new StageError({
              component: 'retrieval',
              stageId: retriever.stageId,
              message: `retriever '${retriever.stageId}' failed: ${(error as Error).message}`,
              cause: error,
            });
          }
        }),
      );
      return fuse(results, fusion).slice(0, topK);
    },
  };
}
