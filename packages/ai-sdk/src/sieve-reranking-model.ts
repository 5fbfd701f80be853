import {
  InvalidArgumentError as AiInvalidArgumentError,
  type JSONObject,
  type RerankingModelV4,
  type RerankingModelV4CallOptions,
  type RerankingModelV4Result,
  type SharedV4Warning,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import {
  isCascade,
  type RankedText,
  rankTexts,
  type TextRanker,
  textRankerSchema,
} from '@sieve/cascade';
import { InvalidArgumentError, parseSettings, type ScorerV1 } from '@sieve/core';
import { z } from 'zod';

const component = 'ai-sdk';

/** Turns one object document of `rerank({ documents })` into the text Sieve scores. */
export type DocumentText = (document: JSONObject) => string;

/** Schema of the `documentText` setting, shared by the provider and its models. */
export const documentTextSchema = z.custom<DocumentText>((value) => typeof value === 'function', {
  message: 'must be a function (document) => string',
});

/** Schema of {@link SieveRerankingModelSettings}. */
export const sieveRerankingModelSettingsSchema = z
  .object({
    /**
     * How an object document (`rerank({ documents: [{ ... }] })`) becomes the text Sieve scores,
     * e.g. `(document) => String(document.text)`. Text documents are scored as they are.
     * @default the provider's `documentText`; without one, object documents are refused with the
     * AI SDK's `UnsupportedFunctionalityError` (a cross-encoder scoring `JSON.stringify` output
     * would rank by syntax as much as by content)
     */
    documentText: documentTextSchema.optional(),
    /**
     * The model id the AI SDK reports (telemetry, `response.modelId`).
     * @default the scorer's `modelId`, or `'cascade'` for a cascade
     */
    modelId: z.string().min(1).optional(),
  })
  .strict();

/** Settings of one reranking model: the second argument of `sieve.reranking(ranker, settings)`. */
export type SieveRerankingModelSettings = z.input<typeof sieveRerankingModelSettingsSchema>;

/**
 * What `providerMetadata.sieve` of a `rerank()` result holds: every score each ranked document
 * received, by stage id, in ranking order (`scores[i]` belongs to `ranking[i]`). One entry per
 * stage for a cascade (`{ prefilter: 1.2, rerank: 3.4 }`), one for a scorer (`{ rerank: 3.4 }`).
 */
export type SieveRerankingMetadata = {
  scores: Array<Record<string, number>>;
};

/**
 * A Sieve ranker as an AI SDK reranking model (`RerankingModelV4`, the spec of
 * `@ai-sdk/provider` 4.x that `ai` 7.x calls). Made by `sieve.reranking(ranker)`.
 */
export interface SieveRerankingModel extends RerankingModelV4 {
  readonly specificationVersion: 'v4';
  /** Always `'sieve'`. */
  readonly provider: 'sieve';
  /** The scorer's `modelId`, `'cascade'`, or the `modelId` setting. */
  readonly modelId: string;
  /** What ranks: the scorer or cascade given to `sieve.reranking`. */
  readonly ranker: TextRanker;
  doRerank(options: RerankingModelV4CallOptions): Promise<RerankingModelV4Result>;
}

/**
 * Makes the reranking model behind `sieve.reranking(ranker, settings)`: validates once, then each
 * `doRerank` ranks with `rankTexts` (Sieve's one ranking of texts, best first, ties in input
 * order) and cuts to `topN`, since `ai`'s `rerank` leaves the cut to the model.
 *
 * @param defaultDocumentText the provider's `documentText`, used when `settings` has none
 */
export function createSieveRerankingModel(
  ranker: TextRanker,
  settings: SieveRerankingModelSettings | undefined,
  defaultDocumentText: DocumentText | undefined,
): SieveRerankingModel {
  const checked = parseSettings(
    z.object({ ranker: textRankerSchema, settings: sieveRerankingModelSettingsSchema }),
    { ranker, settings: settings ?? {} },
    { component },
  );
  const documentText = checked.settings.documentText ?? defaultDocumentText;
  const modelId =
    checked.settings.modelId ??
    (isCascade(ranker)
      ? 'cascade'
      : ((ranker as ScorerV1).modelId ?? (ranker as ScorerV1).stageId));

  const model = {
    specificationVersion: 'v4',
    provider: 'sieve',
    modelId,
    ranker,
    async doRerank(options) {
      const { documents, query, topN, abortSignal, headers } = options;
      let ranking: RankedText[];
      try {
        ranking = await rankTexts(ranker, {
          query,
          texts: documentTexts(documents, documentText),
          ...(topN === undefined ? {} : { topK: topN }),
          ...(abortSignal ? { abortSignal } : {}),
        });
      } catch (error) {
        throw asAiSdkArgumentError(error);
      }
      const warnings: SharedV4Warning[] = [];
      if (headers !== undefined && Object.keys(headers).length > 0) {
        warnings.push({
          type: 'unsupported',
          feature: 'headers',
          details:
            'Sieve ranks in process and sends no request; give a remote scorer its headers in createRemoteScorer({ headers })',
        });
      }
      const metadata: SieveRerankingMetadata = {
        scores: ranking.map(({ scores }) => ({ ...scores })),
      };
      return {
        ranking: ranking.map(({ index, score }) => ({ index, relevanceScore: score })),
        providerMetadata: { sieve: metadata },
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },
  } satisfies SieveRerankingModel;
  return model;
}

/** The texts of the call's documents, in order; object documents through `documentText`. */
function documentTexts(
  documents: RerankingModelV4CallOptions['documents'],
  documentText: DocumentText | undefined,
): string[] {
  if (documents.type === 'text') return documents.values;
  if (documentText === undefined) {
    throw new UnsupportedFunctionalityError({
      functionality: 'object documents without documentText',
      message:
        '[ai-sdk] object documents need a documentText: pass sieve.reranking(ranker, { documentText: (document) => String(document.text) }) or createSieve({ documentText }), or rerank strings',
    });
  }
  // Each text is checked by rankTexts, so a documentText that returns a non-string is an
  // InvalidArgumentError naming the document, not a silent reorder.
  return documents.values.map((document) => documentText(document));
}

/** The call's own arguments, as rankTexts names them, and as `rerank()` callers know them. */
const argumentNames: ReadonlyArray<[RegExp, string]> = [
  [/^texts(?=\[|$)/, 'documents'],
  [/^topK$/, 'topN'],
  [/^query$/, 'query'],
];

/**
 * A Sieve `InvalidArgumentError` about the call's own arguments (`query`, `texts[i]`, `topK`)
 * becomes the AI SDK's `InvalidArgumentError` under the names `rerank()` uses (`documents[i]`,
 * `topN`), Sieve's error kept as `cause`. Anything else (a scorer failing, an abort) is
 * returned unchanged.
 */
function asAiSdkArgumentError(error: unknown): unknown {
  if (!InvalidArgumentError.isInstance(error)) return error;
  const rule = argumentNames.find(([pattern]) => pattern.test(error.argument));
  if (rule === undefined) return error;
  const [pattern, name] = rule;
  const argument = error.argument.replace(pattern, name);
  const detail = error.message.replace(/^\[[^\]]*\] /, '').replaceAll(error.argument, argument);
  return new AiInvalidArgumentError({
    argument,
    message: `[${component}] ${detail}`,
    cause: error,
  });
}
