import {
  assertQuery,
  assertTopK,
  fuseSources,
  fusionSettingsSchema,
  parseSettings,
  type RetrievedCandidate,
  type RetrieverV1,
  type RetrieverV1CallOptions,
  retrievalSourcesSchema,
  retrieveFromSources,
} from '@sieve/core';
import { z } from 'zod';

/** Schema of {@link HybridRetrieverSettings}. */
export const hybridRetrieverSettingsSchema = z
  .object({
    /** Retrievers to run concurrently; `{ retriever, weight }` to weight one in fusion. */
    retrievers: retrievalSourcesSchema.refine((sources) => sources.length > 0, {
      message: 'pass one or more RetrieverV1 (or { retriever, weight } with weight > 0)',
    }),
    /**
     * How the rankings are fused: reciprocal rank fusion, or weighted min-max normalized scores.
     * @default { type: 'rrf', k: 60 }
     */
    fusion: fusionSettingsSchema,
    /**
     * Depth asked of each retriever, as a multiple of the call's topK (fusion needs more than topK
     * from each to rank the union well).
     * @default 2
     */
    depthFactor: z.number().positive().default(2),
    /** @default 'hybrid' */
    stageId: z.string().min(1).default('hybrid'),
  })
  .strict();

/** Settings of {@link createHybridRetriever}. */
export type HybridRetrieverSettings = z.input<typeof hybridRetrieverSettingsSchema>;

const component = 'retrieval';

/**
 * A retriever that runs several retrievers concurrently and fuses their rankings (reciprocal rank
 * fusion with k = 60 by default, or weighted min-max normalized scores), deduplicating ids. The
 * fan-out and the fusion are the cascade's own (`retrieveFromSources`, `fuseSources` in
 * `@sieve/core`).
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
  const {
    retrievers: sources,
    fusion,
    depthFactor,
    stageId,
  } = parseSettings(hybridRetrieverSettingsSchema, settings, { component });
  return {
    specificationVersion: 'v1',
    stageId,
    async doRetrieve(options) {
      const query = assertQuery(options.query, component);
      const topK = assertTopK(options.topK, component);
      const answers = await retrieveFromSources({
        sources,
        query,
        topK: Math.ceil(topK * depthFactor),
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        component,
      });
      const fused = fuseSources(
        answers.map(({ source, candidates }) => ({
          stageId: source.retriever.stageId,
          candidates,
          weight: source.weight,
        })),
        fusion,
      );
      return fused.slice(0, topK).map(({ id, score }) => ({ id, score }));
    },
  };
}
