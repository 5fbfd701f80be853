import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { cascadeSchema } from '@sieve/cascade';
import { InvalidArgumentError, parseSettings } from '@sieve/core';
import { z } from 'zod';
import { component, metadataKeySchema, topKSchema } from './settings-fields.js';

/** Schema of {@link SieveRetrieverSettings}. */
export const sieveRetrieverSettingsSchema = z.strictObject({
  /**
   * A whole cascade with its own retrieval (`createCascade` with `retrievers`) and a
   * `documentStore` (or `getDocuments`), which supplies each result's text.
   */
  cascade: cascadeSchema,
  /**
   * How many documents a query returns.
   * @default the cascade's own `topK`
   */
  topK: topKSchema,
  /**
   * The metadata key of the score that ranked a document (the last stage's).
   * @default 'relevanceScore' (the key LangChain's `CohereRerank` writes)
   */
  metadataKey: metadataKeySchema,
});

/** Settings of {@link createSieveRetriever}. */
export type SieveRetrieverSettings = z.input<typeof sieveRetrieverSettingsSchema>;

type ResolvedSettings = z.output<typeof sieveRetrieverSettingsSchema>;

/** A LangChain `BaseRetriever` over a Sieve cascade. Create one with {@link createSieveRetriever}. */
export class SieveRetriever extends BaseRetriever {
  static override lc_name(): string {
    return 'SieveRetriever';
  }

  lc_namespace = ['sieve', 'retrievers'];

  readonly #settings: ResolvedSettings;

  /** @internal Use {@link createSieveRetriever}, which validates the settings. */
  constructor(settings: ResolvedSettings) {
    // The cascade stays out of LangChain's constructor fields, which tracing serializes.
    super();
    this.#settings = settings;
  }

  /**
   * Runs the cascade for the query and returns its ranking as Documents, best first. An empty
   * query is an `InvalidArgumentError` (from the cascade).
   */
  override async _getRelevantDocuments(query: string): Promise<DocumentInterface[]> {
    const { cascade, topK, metadataKey } = this.#settings;
    const { candidates } = await cascade.search({
      query,
      ...(topK === undefined ? {} : { topK }),
    });
    return candidates.map(({ id, score, scores, document }) => {
      if (document === undefined) {
        throw new InvalidArgumentError({
          component,
          argument: 'cascade',
          message: `the cascade returned document '${id}' without its text; give the cascade a documentStore (or getDocuments) so that results carry their documents`,
        });
      }
      return new Document({
        pageContent: document.text,
        // Sieve's keys come last: a stale score in the document's own metadata must not win.
        metadata: {
          ...document.metadata,
          id,
          ...(document.title === undefined ? {} : { title: document.title }),
          [metadataKey]: score,
          sieveScores: { ...scores },
        },
        id,
      });
    });
  }
}

/**
 * A LangChain retriever backed by a whole Sieve cascade: `invoke(query)` runs
 * `cascade.search({ query, topK })` (retrieval, then every scoring stage) and returns Documents
 * best first, with `pageContent` the document's text and `metadata` the document's own metadata
 * plus `id`, `title` (when it has one), the score under `metadataKey` and every stage's score
 * under `sieveScores`. The cascade needs a `documentStore` (or `getDocuments`): a result without
 * its document is an `InvalidArgumentError`. Settings are validated once here
 * (`InvalidConfigError`).
 *
 * @example
 * ```ts
 * const retriever = createSieveRetriever({ cascade, topK: 5 });
 * const documents = await retriever.invoke('does aspirin prevent stroke?');
 * // documents[0]: { pageContent: 'Aspirin lowers...', metadata: { id: 'aspirin', relevanceScore: 7.1, sieveScores: {...} } }
 * ```
 */
export function createSieveRetriever(settings: SieveRetrieverSettings): SieveRetriever {
  return new SieveRetriever(parseSettings(sieveRetrieverSettingsSchema, settings, { component }));
}
