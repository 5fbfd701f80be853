import type { TextRanker } from '@sieve/cascade';
import { parseSettings } from '@sieve/core';
import { z } from 'zod';
import {
  createSieveRerankingModel,
  documentTextSchema,
  type SieveRerankingModel,
  type SieveRerankingModelSettings,
} from './sieve-reranking-model.js';

const component = 'ai-sdk';

/** Schema of {@link SieveProviderSettings}. */
export const sieveProviderSettingsSchema = z
  .object({
    /**
     * How an object document (`rerank({ documents: [{ ... }] })`) becomes the text Sieve scores,
     * for every model of this provider that does not set its own, e.g.
     * `(document) => String(document.text)`.
     * @default none: object documents are refused with the AI SDK's
     * `UnsupportedFunctionalityError`; text documents always work
     */
    documentText: documentTextSchema.optional(),
  })
  .strict();

/** Settings of {@link createSieve}. */
export type SieveProviderSettings = z.input<typeof sieveProviderSettingsSchema>;

/**
 * The Sieve provider for the Vercel AI SDK. It makes reranking models only, from a ranker
 * object rather than a model id: a `ScorerV1` (`createCrossEncoder`, `createRemoteScorer` of
 * `@sieve/rerank`) or a `Cascade` (`createCascade` of `@sieve/cascade`). Calling it,
 * `sieve(ranker)`, is `sieve.reranking(ranker)`.
 */
export interface SieveProvider {
  (ranker: TextRanker, settings?: SieveRerankingModelSettings): SieveRerankingModel;
  /** A reranking model for `rerank({ model })` of `ai`. */
  reranking(ranker: TextRanker, settings?: SieveRerankingModelSettings): SieveRerankingModel;
  /** The same as {@link SieveProvider.reranking} (the AI SDK's long name). */
  rerankingModel(ranker: TextRanker, settings?: SieveRerankingModelSettings): SieveRerankingModel;
}

/**
 * Creates a Sieve provider. Settings are validated once, here (`InvalidConfigError` with every
 * issue); each `reranking(ranker, settings)` validates its own once too, never per call.
 *
 * @param settings @default `{}`
 * @example
 * ```ts
 * import { createSieve } from '@sieve/ai-sdk';
 * import { rerank } from 'ai';
 *
 * const sieve = createSieve({ documentText: (document) => String(document.text) });
 * const { ranking } = await rerank({
 *   model: sieve.reranking(reranker),
 *   query: 'aspirin',
 *   documents: [{ text: 'Aspirin lowers the risk of stroke.' }, { text: 'Paris' }],
 *   topN: 1,
 * });
 * ```
 */
export function createSieve(settings: SieveProviderSettings = {}): SieveProvider {
  const { documentText } = parseSettings(sieveProviderSettingsSchema, settings, { component });
  const reranking = (
    ranker: TextRanker,
    modelSettings?: SieveRerankingModelSettings,
  ): SieveRerankingModel => createSieveRerankingModel(ranker, modelSettings, documentText);
  const provider = (ranker: TextRanker, modelSettings?: SieveRerankingModelSettings) =>
    reranking(ranker, modelSettings);
  provider.reranking = reranking;
  provider.rerankingModel = reranking;
  return provider;
}

/**
 * The default Sieve provider (no settings): `sieve.reranking(ranker)`.
 *
 * @example
 * ```ts
 * import { sieve } from '@sieve/ai-sdk';
 * import { rerank } from 'ai';
 *
 * const { rerankedDocuments } = await rerank({
 *   model: sieve.reranking(reranker),
 *   query: 'aspirin',
 *   documents: ['Aspirin lowers the risk of stroke.', 'The Eiffel tower is in Paris.'],
 *   topN: 1,
 * });
 * ```
 */
export const sieve: SieveProvider = createSieve();
