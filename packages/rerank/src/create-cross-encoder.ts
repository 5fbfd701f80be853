import { basename } from 'node:path';
import {
  assertDocuments,
  assertQuery,
  InvalidArgumentError,
  ModelLoadError,
  parseSettings,
  type ScorerV1,
  type ScorerV1CallOptions,
  type ScorerV1Result,
  startTimer,
} from '@sieve/core';
import {
  checkModelSettings,
  createModelPipeline,
  type Dtype,
  modelSettingsSchema,
} from '@sieve/onnx';
import { z } from 'zod';

/** Schema of {@link CrossEncoderSettings}. */
export const crossEncoderSettingsSchema = modelSettingsSchema
  .extend({
    /** Stage id in a cascade. @default the model name, e.g. `ms-marco-MiniLM-L-6-v2` */
    stageId: z.string().min(1).optional(),
    /**
     * Longest pair in tokens (special tokens included).
     * @default min(config max positions, tokenizer max length), else 512
     */
    maxLength: modelSettingsSchema.shape.maxLength,
    /**
     * Score every pair alone (batch of 1, no padding) so that int8 scores do not depend on batch
     * composition (dynamic quantization picks one scale per batch). Slower; `dtype: 'int8-static'`
     * (calibrated scales) is batch-invariant without it.
     * @default false
     */
    deterministic: z.boolean().default(false),
    /** `none`: raw logits; `sigmoid`: probabilities. A single logit is never softmaxed. @default 'none' */
    activation: z.enum(['none', 'sigmoid']).default('none'),
  })
  .strict()
  .superRefine(checkModelSettings);

/** Settings of {@link createCrossEncoder}. */
export type CrossEncoderSettings = z.input<typeof crossEncoderSettingsSchema>;

/** A BERT cross-encoder as a Sieve scoring stage. */
export interface CrossEncoder extends ScorerV1 {
  /** The execution provider that runs (`cpu` or `cuda`). */
  readonly provider: string;
  readonly dtype: Dtype;
  /** Longest pair in tokens, special tokens included. */
  readonly maxLength: number;
  /** Whether the graph takes `token_type_ids`. */
  readonly usesTokenTypes: boolean;
  /** `worker` or `same-thread`, with the pool size and threads per session. */
  readonly execution: { mode: 'worker' | 'same-thread'; workers: number; intraOpThreads: number };
  /** The model folder on disk. */
  readonly folder: string;
  doScore(options: ScorerV1CallOptions): Promise<ScorerV1Result>;
  /**
   * Scores pairs that may belong to different queries, batched together (batch evaluation,
   * offline scoring, benchmarks). Scores come back in input order; batching follows the same
   * settings as `doScore`.
   *
   * @example
   * ```ts
   * const { scores } = await reranker.scorePairs({ pairs: [{ query: 'aspirin', text: '...' }, { query: 'statins', text: '...' }] });
   * ```
   */
  scorePairs(options: CrossEncoderPairsOptions): Promise<ScorerV1Result>;
  /**
   * Tokens each pair takes before truncation (query, text and the 3 special tokens), in input
   * order, through the same token cache as scoring (so scoring the pairs next tokenizes nothing).
   * A pair over {@link CrossEncoder.maxLength} reports more than `maxLength` (the count is exact
   * up to `maxLength` tokens per text). A server uses it to refuse over-long inputs.
   *
   * @example
   * ```ts
   * const [tokens] = await reranker.countPairTokens({ pairs: [{ query: 'aspirin', text: '...' }] });
   * if (tokens! > reranker.maxLength) console.log('will be truncated');
   * ```
   */
  countPairTokens(options: CrossEncoderPairsOptions): Promise<number[]>;
  /** Stops workers and frees sessions. */
  dispose(): Promise<void>;
}

/** Options of {@link CrossEncoder.scorePairs}. */
export interface CrossEncoderPairsOptions {
  /**
   * Query-document pairs; queries may differ from pair to pair. `maxTextTokens` cuts a text to
   * that many tokens before pairing (a per-request limit below `maxLength`, such as Cohere's
   * `max_tokens_per_doc`).
   */
  pairs: ReadonlyArray<{ query: string; text: string; maxTextTokens?: number }>;
  abortSignal?: AbortSignal;
}

const component = 'rerank';

/**
 * Loads a BERT-family cross-encoder in ONNX and returns it as a {@link ScorerV1}: a
 * sequence-classification task on `@sieve/onnx`'s model pipeline. Sessions are created once, in
 * worker threads by default, and reused until `dispose()`.
 *
 * @example
 * ```ts
 * const reranker = await createCrossEncoder({ model: 'Xenova/ms-marco-MiniLM-L-6-v2', stageId: 'rerank' });
 * const { scores } = await reranker.doScore({ query: 'aspirin', documents: [{ id: 'a', text: '...' }] });
 * await reranker.dispose();
 * ```
 */
export async function createCrossEncoder(settings: CrossEncoderSettings): Promise<CrossEncoder> {
  const resolved = parseSettings(crossEncoderSettingsSchema, settings, { component });
  const stageId = resolved.stageId ?? basename(resolved.model.replace(/\/+$/, ''));
  const pipeline = await createModelPipeline(resolved, {
    component,
    stageId,
    task: { kind: 'classify' },
    defaultMaxLength: ({ tokenizerMaxLength }) => tokenizerMaxLength ?? 512,
    checkModel({ model, tokenizer }) {
      const { config } = model;
      const labels = config.id2label
        ? Object.keys(config.id2label).length
        : (config.num_labels ?? 1);
      if (labels !== 1) {
        throw new ModelLoadError({
          component,
          modelId: model.modelId,
          path: `${model.folder}/config.json`,
          message: `'${model.modelId}' has ${labels} labels; a cross-encoder reranker has a single relevance logit (num_labels 1)`,
        });
      }
      if (config.vocab_size !== undefined && tokenizer.vocabularySize > config.vocab_size) {
        throw new ModelLoadError({
          component,
          modelId: model.modelId,
          path: model.folder,
          message: `the tokenizer has ${tokenizer.vocabularySize} tokens but config.json says vocab_size ${config.vocab_size}: the vocabulary does not belong to this model`,
        });
      }
    },
  });
  const { tokenizer, maxLength } = pipeline;
  const { deterministic, activation } = resolved;

  /**
   * Scores (query ids, document ids) pairs in planned batches; scores keep the input order.
   * `tokenizeMs`: what encoding the texts took, reported with the batches' timings.
   */
  const scoreEncoded = async (
    pairs: ReadonlyArray<readonly [Int32Array, Int32Array]>,
    tokenizeMs: number,
    abortSignal: AbortSignal | undefined,
  ): Promise<ScorerV1Result> => {
    // Pair length after longest_first truncation: the whole pair, capped at maxLength.
    const lengths = pairs.map(([queryIds, ids]) =>
      Math.min(queryIds.length + ids.length + 3, maxLength),
    );
    const { values: logits, timings } = await pipeline.runRows({
      lengths,
      encodeRow: (index) => {
        const [queryIds, ids] = pairs[index]!;
        return tokenizer.encodePair(queryIds, ids, maxLength);
      },
      width: 1,
      oneRowPerBatch: deterministic,
      ...(abortSignal ? { abortSignal } : {}),
    });
    const scores = Array.from(logits, (logit) =>
      activation === 'sigmoid' ? 1 / (1 + Math.exp(-logit)) : logit,
    );
    timings.tokenizeMs = tokenizeMs;
    return { scores, tokenCounts: lengths, timings };
  };

  /** Checks `pairs` and encodes their queries and texts (token ids cut to `maxLength`). */
  const encodePairs = async (
    pairs: CrossEncoderPairsOptions['pairs'],
    abortSignal: AbortSignal | undefined,
  ): Promise<[Int32Array[], Int32Array[]]> => {
    pipeline.assertUsable(abortSignal);
    if (!Array.isArray(pairs) || pairs.length === 0) {
      throw new InvalidArgumentError({
        component,
        argument: 'pairs',
        message: 'pairs must be a non-empty array of { query, text }',
      });
    }
    pairs.forEach((pair, index) => {
      if (typeof pair?.query !== 'string' || typeof pair.text !== 'string') {
        throw new InvalidArgumentError({
          component,
          argument: `pairs[${index}]`,
          message: `pairs[${index}] must be { query: string, text: string }`,
        });
      }
      assertQuery(pair.query, component);
      if (
        pair.maxTextTokens !== undefined &&
        !(Number.isInteger(pair.maxTextTokens) && pair.maxTextTokens > 0)
      ) {
        throw new InvalidArgumentError({
          component,
          argument: `pairs[${index}].maxTextTokens`,
          message: `pairs[${index}].maxTextTokens must be a positive integer, got ${pair.maxTextTokens}`,
        });
      }
    });
    const queryIds = await pipeline.encodeAll(
      pairs.map((pair) => pair.query),
      abortSignal,
    );
    const documentIds = await pipeline.encodeAll(
      pairs.map((pair) => pair.text),
      abortSignal,
    );
    pairs.forEach(({ maxTextTokens }, index) => {
      if (maxTextTokens !== undefined) {
        documentIds[index] = documentIds[index]!.subarray(0, maxTextTokens);
      }
    });
    return [queryIds, documentIds];
  };

  return {
    specificationVersion: 'v1',
    stageId,
    modelId: pipeline.model.modelId,
    provider: pipeline.provider,
    dtype: resolved.dtype,
    maxLength,
    usesTokenTypes: pipeline.usesTokenTypes,
    execution: pipeline.execution,
    folder: pipeline.model.folder,
    async doScore({ query, documents, abortSignal }) {
      pipeline.assertUsable(abortSignal);
      assertQuery(query, component);
      assertDocuments(documents, component);
      const tokenize = startTimer();
      const queryIds = pipeline.encode(query);
      const documentIds = await pipeline.encodeAll(
        documents.map((document) => document.text),
        abortSignal,
      );
      return scoreEncoded(
        documentIds.map((ids) => [queryIds, ids] as const),
        tokenize(),
        abortSignal,
      );
    },
    async scorePairs({ pairs, abortSignal }) {
      const tokenize = startTimer();
      const [queryIds, documentIds] = await encodePairs(pairs, abortSignal);
      return scoreEncoded(
        documentIds.map((ids, index) => [queryIds[index]!, ids] as const),
        tokenize(),
        abortSignal,
      );
    },
    async countPairTokens({ pairs, abortSignal }) {
      const [queryIds, documentIds] = await encodePairs(pairs, abortSignal);
      return documentIds.map((ids, index) => queryIds[index]!.length + ids.length + 3);
    },
    dispose: () => pipeline.dispose(),
  };
}
