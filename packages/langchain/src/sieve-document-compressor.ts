import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { rankTexts, textRankerSchema } from '@sieve/cascade';
import { InvalidArgumentError, parseSettings } from '@sieve/core';
import { z } from 'zod';
import { component, metadataKeySchema, topKSchema } from './settings-fields.js';

/** Schema of {@link SieveDocumentCompressorSettings}. */
export const sieveDocumentCompressorSettingsSchema = z.strictObject({
  /**
   * What ranks the documents: one scorer (`createCrossEncoder`, `createRemoteScorer` of
   * `@sieve/rerank`) or a whole cascade (`createCascade`), which then ranks the documents it is
   * given instead of retrieving.
   */
  ranker: textRankerSchema,
  /**
   * Keep the best `topK` documents.
   * @default every document for a scorer; the cascade's own `topK` for a cascade
   */
  topK: topKSchema,
  /**
   * The metadata key of the score that ranked a document (the last stage's, for a cascade).
   * @default 'relevanceScore' (the key LangChain's `CohereRerank` writes)
   */
  metadataKey: metadataKeySchema,
});

/** Settings of {@link createSieveDocumentCompressor}. */
export type SieveDocumentCompressorSettings = z.input<typeof sieveDocumentCompressorSettingsSchema>;

type ResolvedSettings = z.output<typeof sieveDocumentCompressorSettingsSchema>;

/**
 * A LangChain `BaseDocumentCompressor` that reranks with Sieve. Create one with
 * {@link createSieveDocumentCompressor}.
 */
export class SieveDocumentCompressor extends BaseDocumentCompressor {
  readonly #settings: ResolvedSettings;

  /** @internal Use {@link createSieveDocumentCompressor}, which validates the settings. */
  constructor(settings: ResolvedSettings) {
    super();
    this.#settings = settings;
  }

  /**
   * Ranks the documents' `pageContent` against the query, best first, cut to `topK`. Returns new
   * documents: the caller's documents and their metadata are never changed. No documents rank as
   * none; an empty query, or a document whose `pageContent` is not a string, is an
   * `InvalidArgumentError`.
   */
  async compressDocuments(
    documents: DocumentInterface[],
    query: string,
    _callbacks?: Callbacks,
  ): Promise<DocumentInterface[]> {
    if (!Array.isArray(documents)) {
      throw new InvalidArgumentError({
        component,
        argument: 'documents',
        message: `documents must be an array of LangChain Documents, got ${documents === null ? 'null' : typeof documents}`,
      });
    }
    const { ranker, topK, metadataKey } = this.#settings;
    // rankTexts checks the query and each text, naming the index of a document at fault.
    const ranking = await rankTexts(ranker, {
      query,
      texts: documents.map((document) => document?.pageContent),
      ...(topK === undefined ? {} : { topK }),
    });
    return ranking.map(({ index, score, scores }) => {
      const original = documents[index]!;
      return new Document({
        pageContent: original.pageContent,
        metadata: { ...original.metadata, [metadataKey]: score, sieveScores: { ...scores } },
        ...(original.id === undefined ? {} : { id: original.id }),
      });
    });
  }
}

/**
 * A LangChain document compressor that reranks with a Sieve scorer or cascade, to drop into
 * `ContextualCompressionRetriever`. It returns new documents, best first, cut to `topK`, with the
 * score under `metadata[metadataKey]` and every stage's score under `metadata.sieveScores`; the
 * order and scores are Sieve's own (`rankTexts`). Settings are validated once here
 * (`InvalidConfigError`).
 *
 * @example
 * ```ts
 * const retriever = new ContextualCompressionRetriever({
 *   baseRetriever: vectorStore.asRetriever(50),
 *   baseCompressor: createSieveDocumentCompressor({ ranker: reranker, topK: 5 }),
 * });
 * const documents = await retriever.invoke('does aspirin prevent stroke?');
 * // documents[0].metadata: { ..., relevanceScore: 7.1, sieveScores: { rerank: 7.1 } }
 * ```
 */
export function createSieveDocumentCompressor(
  settings: SieveDocumentCompressorSettings,
): SieveDocumentCompressor {
  return new SieveDocumentCompressor(
    parseSettings(sieveDocumentCompressorSettingsSchema, settings, { component }),
  );
}
