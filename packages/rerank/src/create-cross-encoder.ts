import { basename } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  assertDocuments,
  assertQuery,
  InvalidArgumentError,
  InvalidConfigError,
  ModelLoadError,
  parseSettings,
  type ScorerV1,
  type ScorerV1CallOptions,
  type ScorerV1Result,
  StageError,
} from '@sieve/core';
import { planBatches } from './batching/plan-batches.js';
import { type CrossEncoderSettings, crossEncoderSettingsSchema } from './cross-encoder-settings.js';
import { type Dtype, resolveModel } from './model/resolve-model.js';
import { createExecutor } from './onnx/create-executor.js';
import { type PackedBatch, packBatch } from './onnx/inference-engine.js';
import { loadTokenizer } from './tokenizer/load-tokenizer.js';
import { resolveTokenCache } from './tokenizer/token-cache.js';

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
  /** Stops workers and frees sessions. */
  dispose(): Promise<void>;
}

/** Options of {@link CrossEncoder.scorePairs}. */
export interface CrossEncoderPairsOptions {
  /** Query-document pairs; queries may differ from pair to pair. */
  pairs: ReadonlyArray<{ query: string; text: string }>;
  abortSignal?: AbortSignal;
}

const component = 'rerank';
/** Yield to the host's event loop after this many milliseconds of tokenizing. */
const TOKENIZE_SLICE_MS = 4;

/**
 * Loads a BERT-family cross-encoder in ONNX and returns it as a {@link ScorerV1}. Sessions are
 * created once, in worker threads by default, and reused until `dispose()`.
 *
 * @example
 * ```ts
 * const reranker = await createCrossEncoder({ model: 'Xenova/ms-marco-MiniLM-L-6-v2', stageId: 'rerank' });
 * const { scores } = await reranker.doScore({ query: 'aspirin', documents: [{ id: 'a', text: '...' }] });
 * await reranker.dispose();
 * ```
 */
export async function createCrossEncoder(settings: CrossEncoderSettings): Promise<CrossEncoder> {
  const resolvedSettings = parseSettings(crossEncoderSettingsSchema, settings, { component });
  const dtype: Dtype = resolvedSettings.dtype ?? 'fp32';
  const model = await resolveModel(resolvedSettings.model, dtype, resolvedSettings.hub);
  const { tokenizer, modelMaxLength } = await loadTokenizer({
    modelId: model.modelId,
    folder: model.folder,
  });
  const { config } = model;

  const labels = config.id2label ? Object.keys(config.id2label).length : (config.num_labels ?? 1);
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
  const positions = config.max_position_embeddings ?? 512;
  const maxLength = resolvedSettings.maxLength ?? Math.min(positions, modelMaxLength ?? 512);
  if (maxLength > positions || maxLength < 4) {
    throw new InvalidConfigError({
      component,
      issues: [
        {
          path: 'maxLength',
          message: `must be within 4..${positions} (the model's max_position_embeddings), got ${maxLength}`,
        },
      ],
    });
  }

  const mode = resolvedSettings.execution;
  const executor = await createExecutor({
    modelId: model.modelId,
    modelPath: model.onnxPath,
    session: {
      device: resolvedSettings.device,
      graphOptimizationLevel: resolvedSettings.graphOptimizationLevel,
      enableCpuMemArena: resolvedSettings.enableCpuMemArena,
      allowSpinning: resolvedSettings.allowSpinning,
      ...(resolvedSettings.optimizedModelPath
        ? { optimizedModelPath: resolvedSettings.optimizedModelPath }
        : {}),
    },
    task: { kind: 'classify' },
    execution: mode,
    ...(resolvedSettings.workers ? { workers: resolvedSettings.workers } : {}),
    ...(resolvedSettings.intraOpThreads ? { intraOpThreads: resolvedSettings.intraOpThreads } : {}),
    ...(resolvedSettings.onnxRuntime ? { onnxRuntime: resolvedSettings.onnxRuntime } : {}),
  });

  const stageId = resolvedSettings.stageId ?? basename(model.modelId.replace(/\/+$/, ''));
  const tokenCache = resolveTokenCache(resolvedSettings.tokenCache);
  const { batchSize, maxBatchTokens, sortByLength, deterministic, activation } = resolvedSettings;
  const usesTokenTypes = executor.info.usesTokenTypes;
  let disposed = false;

  // Documents are cached cut to maxLength tokens (truncation keeps a prefix), so the limit is part
  // of the key: stages with the same vocabulary and limit share entries, others do not collide.
  const cacheKey = `${tokenizer.fingerprint}/${maxLength}`;
  const encode = (text: string): Int32Array => {
    const cached = tokenCache?.get(cacheKey, text);
    if (cached) return cached;
    const ids = tokenizer.encodeText(text, maxLength);
    tokenCache?.set(cacheKey, text, ids);
    return ids;
  };

  const assertUsable = (abortSignal: AbortSignal | undefined): void => {
    if (disposed) {
      throw new StageError({
        component,
        stageId,
        message: `cross-encoder '${stageId}' was disposed; create a new one`,
      });
    }
    abortSignal?.throwIfAborted();
  };
  /** Tokenizes texts, yielding to the host's event loop every few milliseconds. */
  const encodeAll = async (
    texts: readonly string[],
    abortSignal: AbortSignal | undefined,
  ): Promise<Int32Array[]> => {
    const encoded: Int32Array[] = [];
    let sliceStart = performance.now();
    for (const text of texts) {
      encoded.push(encode(text));
      if (performance.now() - sliceStart > TOKENIZE_SLICE_MS) {
        await yieldToLoop();
        abortSignal?.throwIfAborted();
        sliceStart = performance.now();
      }
    }
    return encoded;
  };
  /** Scores (query ids, document ids) pairs in planned batches; scores keep the input order. */
  const scoreEncoded = async (
    pairs: ReadonlyArray<readonly [Int32Array, Int32Array]>,
    abortSignal: AbortSignal | undefined,
  ): Promise<ScorerV1Result> => {
    // Pair length after longest_first truncation: the whole pair, capped at maxLength.
    const lengths = pairs.map(([queryIds, ids]) =>
      Math.min(queryIds.length + ids.length + 3, maxLength),
    );
    const batches = deterministic
      ? pairs.map((_, index) => [index])
      : planBatches(lengths, { maxBatchSize: batchSize, maxBatchTokens, sortByLength });
    const scores = new Array<number>(pairs.length);
    await Promise.all(
      batches.map(async (indices) => {
        const prepare = (): PackedBatch =>
          packBatch(
            indices.map((index) => {
              const [queryIds, ids] = pairs[index]!;
              return tokenizer.encodePair(queryIds, ids, maxLength);
            }),
            usesTokenTypes,
          );
        let logits: Float32Array;
        try {
          logits = await executor.run(prepare, abortSignal);
        } catch (error) {
          if (abortSignal?.aborted) throw abortSignal.reason;
          throw new StageError({
            component,
            stageId,
            message: `inference failed for '${model.modelId}': ${(error as Error).message}`,
            cause: error,
          });
        }
        indices.forEach((index, row) => {
          const logit = logits[row]!;
          scores[index] = activation === 'sigmoid' ? 1 / (1 + Math.exp(-logit)) : logit;
        });
      }),
    );
    return { scores, tokenCounts: lengths };
  };

  const scorer: CrossEncoder = {
    specificationVersion: 'v1',
    stageId,
    modelId: model.modelId,
    provider: executor.info.provider,
    dtype,
    maxLength,
    usesTokenTypes,
    execution: { mode, workers: executor.workers, intraOpThreads: executor.intraOpThreads },
    folder: model.folder,
    async doScore({ query, documents, abortSignal }) {
      assertUsable(abortSignal);
      assertQuery(query, component);
      assertDocuments(documents, component);
      const queryIds = encode(query);
      const documentIds = await encodeAll(
        documents.map((document) => document.text),
        abortSignal,
      );
      return scoreEncoded(
        documentIds.map((ids) => [queryIds, ids] as const),
        abortSignal,
      );
    },
    async scorePairs({ pairs, abortSignal }) {
      assertUsable(abortSignal);
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
      });
      const queryIds = await encodeAll(
        pairs.map((pair) => pair.query),
        abortSignal,
      );
      const documentIds = await encodeAll(
        pairs.map((pair) => pair.text),
        abortSignal,
      );
      return scoreEncoded(
        documentIds.map((ids, index) => [queryIds[index]!, ids] as const),
        abortSignal,
      );
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await executor.release();
    },
  };
  return scorer;
}
