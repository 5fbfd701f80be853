import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  addInferenceTimings,
  createInferenceTimings,
  type InferenceTimings,
  InvalidConfigError,
  StageError,
} from '@sieve/core';
import { planBatches } from '../batching/plan-batches.js';
import { type ResolvedModel, resolveModel } from '../model/resolve-model.js';
import { createExecutor } from '../runtime/create-executor.js';
import {
  type BatchRun,
  type EngineTask,
  type PackedBatch,
  packBatch,
} from '../runtime/inference-engine.js';
import { loadTokenizer } from '../tokenizer/load-tokenizer.js';
import { createCachedEncoder, resolveTokenCache } from '../tokenizer/token-cache.js';
import type { EncodedPair, WordPieceTokenizer } from '../tokenizer/word-piece-tokenizer.js';
import type { ResolvedModelSettings } from './model-settings.js';

/** Yield to the host's event loop after this many milliseconds of tokenizing. */
const TOKENIZE_SLICE_MS = 4;

/** What a task tells the pipeline about itself. */
export interface ModelTaskDefinition {
  /** Component named in errors (`rerank`, `embed`). */
  component: string;
  /** Stage id named in inference errors. */
  stageId: string;
  /** What the session computes per row; a function reads it from the model's files. */
  task: EngineTask | ((context: { model: ResolvedModel }) => Promise<EngineTask>);
  /** Files fetched from the hub beside the model's own (optional ones). */
  extraFiles?: readonly string[];
  /**
   * The default token limit when settings give none; the pipeline caps it at the model's
   * positions. Called once the model and its tokenizer are loaded.
   */
  defaultMaxLength(context: {
    model: ResolvedModel;
    tokenizerMaxLength: number | undefined;
  }): number | Promise<number>;
  /** Checks the loaded model (labels, vocabulary); throws `ModelLoadError` on a mismatch. */
  checkModel?(context: { model: ResolvedModel; tokenizer: WordPieceTokenizer }): void;
}

/** One input row of a batch: the ids of a pair or a single text. */
export type EncodedRow = EncodedPair | { inputIds: Int32Array; tokenTypeIds?: Int32Array };

/** Options of {@link ModelPipeline.runRows}. */
export interface RunRowsOptions {
  /** Row lengths in tokens (what batches are planned by). */
  lengths: readonly number[];
  /** Builds row `index`; called only when its batch is about to run. */
  encodeRow(index: number): EncodedRow;
  /** Values per row in the session's output: 1 for a classifier, the hidden size for an embedder. */
  width: number;
  /** Run every row alone (no batch-mates), e.g. for batch-invariant int8 scores. @default false */
  oneRowPerBatch?: boolean;
  abortSignal?: AbortSignal;
}

/** What {@link ModelPipeline.runRows} returns. */
export interface RowsOutput {
  /** Every row's output values in input order (`lengths.length x width`). */
  values: Float32Array;
  /** Where the batches' time went (`tokenizeMs` is 0: the task tokenizes). */
  timings: InferenceTimings;
}

/**
 * A model loaded on the runtime: resolved files, tokenizer, token cache and executor. Tasks build
 * on it: they encode their inputs and read rows back, the pipeline does the rest.
 */
export interface ModelPipeline {
  readonly model: ResolvedModel;
  /** What the session computes per row. */
  readonly task: EngineTask;
  readonly tokenizer: WordPieceTokenizer;
  /** Longest input in tokens, special tokens included. */
  readonly maxLength: number;
  /** The execution provider that runs (`cpu` or `cuda`). */
  readonly provider: string;
  /** Whether the graph takes `token_type_ids`. */
  readonly usesTokenTypes: boolean;
  /** `worker` or `same-thread`, with the pool size and threads per session. */
  readonly execution: { mode: 'worker' | 'same-thread'; workers: number; intraOpThreads: number };
  /** Throws when disposed or aborted. */
  assertUsable(abortSignal: AbortSignal | undefined): void;
  /** Token ids of one text (no special tokens), cut to `maxLength`, through the token cache. */
  encode(text: string): Int32Array;
  /** {@link ModelPipeline.encode} over many texts, yielding to the event loop every few ms. */
  encodeAll(texts: readonly string[], abortSignal: AbortSignal | undefined): Promise<Int32Array[]>;
  /**
   * Plans batches by length, packs each when a session is free, runs it, and returns every row's
   * output values in input order (`lengths.length x width`) with the batches' timings. Failures
   * become `StageError`; an abort rejects with the signal's reason.
   */
  runRows(options: RunRowsOptions): Promise<RowsOutput>;
  /** Stops workers and frees sessions; later calls throw. */
  dispose(): Promise<void>;
}

/**
 * Loads a model for a task: resolve (local folder or hub cache) -> tokenizer -> executor (worker
 * pool or same thread) -> token cache, and returns the {@link ModelPipeline} that plans, packs and
 * runs batches. The one model pipeline of Sieve: the cross-encoder and the bi-encoder are tasks on
 * it.
 */
export async function createModelPipeline(
  settings: ResolvedModelSettings,
  definition: ModelTaskDefinition,
): Promise<ModelPipeline> {
  const { component, stageId } = definition;
  const model = await resolveModel(
    settings.model,
    settings.dtype,
    settings.hub,
    definition.extraFiles,
  );
  const { tokenizer, modelMaxLength } = await loadTokenizer({
    modelId: model.modelId,
    folder: model.folder,
  });
  definition.checkModel?.({ model, tokenizer });
  const task =
    typeof definition.task === 'function' ? await definition.task({ model }) : definition.task;
  const positions = model.config.max_position_embeddings ?? 512;
  const maxLength =
    settings.maxLength ??
    Math.min(
      positions,
      await definition.defaultMaxLength({ model, tokenizerMaxLength: modelMaxLength }),
    );
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

  const executor = await createExecutor({
    modelId: model.modelId,
    modelPath: model.onnxPath,
    session: {
      device: settings.device,
      graphOptimizationLevel: settings.graphOptimizationLevel,
      enableCpuMemArena: settings.enableCpuMemArena,
      allowSpinning: settings.allowSpinning,
      ...(settings.optimizedModelPath ? { optimizedModelPath: settings.optimizedModelPath } : {}),
    },
    task,
    execution: settings.execution,
    ...(settings.workers ? { workers: settings.workers } : {}),
    ...(settings.intraOpThreads ? { intraOpThreads: settings.intraOpThreads } : {}),
    ...(settings.onnxRuntime ? { onnxRuntime: settings.onnxRuntime } : {}),
  });

  const encode = createCachedEncoder({
    tokenizer,
    maxLength,
    tokenCache: resolveTokenCache(settings.tokenCache),
  });
  const usesTokenTypes = executor.info.usesTokenTypes;
  let disposed = false;

  return {
    model,
    task,
    tokenizer,
    maxLength,
    provider: executor.info.provider,
    usesTokenTypes,
    execution: {
      mode: settings.execution,
      workers: executor.workers,
      intraOpThreads: executor.intraOpThreads,
    },
    assertUsable(abortSignal) {
      if (disposed) {
        throw new StageError({
          component,
          stageId,
          message: `'${stageId}' (${model.modelId}) was disposed; create a new one`,
        });
      }
      abortSignal?.throwIfAborted();
    },
    encode,
    async encodeAll(texts, abortSignal) {
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
    },
    async runRows({ lengths, encodeRow, width, oneRowPerBatch = false, abortSignal }) {
      const limits = {
        maxBatchSize: settings.maxBatchSize,
        maxBatchTokens: settings.maxBatchTokens,
        sortByLength: settings.sortByLength,
      };
      let batches = oneRowPerBatch
        ? lengths.map((_, index) => [index])
        : planBatches(lengths, limits);
      // A call too small to fill every worker is split so that each gets a share: one request of
      // 4 pairs runs on 2 workers in half the time instead of on one while the other idles.
      const spread = Math.min(executor.workers, lengths.length);
      if (batches.length < spread) {
        batches = planBatches(lengths, {
          ...limits,
          maxBatchSize: Math.ceil(lengths.length / spread),
        });
      }
      const output = new Float32Array(lengths.length * width);
      const timings = createInferenceTimings();
      await Promise.all(
        batches.map(async (indices) => {
          const prepare = (): PackedBatch =>
            packBatch(
              indices.map((index) => encodeRow(index)),
              usesTokenTypes,
            );
          let run: BatchRun;
          try {
            run = await executor.run(prepare, abortSignal);
          } catch (error) {
            if (abortSignal?.aborted) throw abortSignal.reason;
            throw new StageError({
              component,
              stageId,
              message: `inference failed for '${model.modelId}': ${(error as Error).message}`,
              cause: error,
            });
          }
          const { values } = run;
          indices.forEach((index, row) => {
            output.set(values.subarray(row * width, (row + 1) * width), index * width);
          });
          const { values: _values, ...phases } = run;
          addInferenceTimings(timings, {
            ...phases,
            batches: 1,
            rows: indices.length,
            tokenizeMs: 0,
          });
        }),
      );
      return { values: output, timings };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await executor.release();
    },
  };
}
