import { z } from 'zod';
import type { RetrieverV1 } from '../spec/retriever-v1.js';

/** One retriever of a fused retrieval and its weight in fusion. */
export interface RetrievalSource {
  retriever: RetrieverV1;
  /** Weight in fusion (RRF or weighted); positive. */
  weight: number;
}

/** A retriever entry as users write it: the retriever, or the retriever with its fusion weight. */
export type RetrievalSourceInput = RetrieverV1 | { retriever: RetrieverV1; weight?: number };

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

/** Whether a value has the shape of a {@link RetrieverV1}. */
export const isRetriever = (value: unknown): value is RetrieverV1 =>
  isObject(value) &&
  value.specificationVersion === 'v1' &&
  typeof value.stageId === 'string' &&
  value.stageId !== '' &&
  typeof value.doRetrieve === 'function';

/**
 * Schema of one retriever entry as users write it, a `RetrieverV1` or `{ retriever, weight }` with
 * a positive weight, normalised to a {@link RetrievalSource} (weight 1 by default). The cascade and
 * the hybrid retriever both read their `retrievers` setting with it.
 */
export const retrievalSourceSchema = z
  .custom<RetrievalSourceInput>(
    (value) =>
      isRetriever(value) ||
      (isObject(value) &&
        isRetriever(value.retriever) &&
        (value.weight === undefined ||
          (typeof value.weight === 'number' && Number.isFinite(value.weight) && value.weight > 0))),
    {
      message:
        "must be a RetrieverV1 ({ specificationVersion: 'v1', stageId, doRetrieve }) or { retriever, weight } with weight > 0",
    },
  )
  .transform(
    (entry): RetrievalSource =>
      isRetriever(entry)
        ? { retriever: entry, weight: 1 }
        : { retriever: entry.retriever, weight: entry.weight ?? 1 },
  );

/**
 * Schema of a `retrievers` setting: one entry or an array of them (none when left out), each
 * normalised by {@link retrievalSourceSchema}. A preprocess (rather than a union) keeps each bad
 * entry's own path (`retrievers.1`) in the error; its input type is declared, as zod infers
 * `unknown` for a preprocess.
 */
export const retrievalSourcesSchema = (
  z.preprocess(
    (value) => (Array.isArray(value) ? value : [value]),
    z.array(retrievalSourceSchema).readonly(),
  ) as unknown as z.ZodType<
    readonly RetrievalSource[],
    RetrievalSourceInput | readonly RetrievalSourceInput[]
  >
).default([]);
