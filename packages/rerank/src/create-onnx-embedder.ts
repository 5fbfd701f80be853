import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EmbedderV1,
  type EmbedderV1CallOptions,
  type EmbedderV1Result,
  InvalidArgumentError,
  ModelLoadError,
  parseSettings,
  StageError,
} from '@sieve/core';
import { z } from 'zod';
import { planBatches } from './batching/plan-batches.js';
import type { HubOptions } from './model/hub-cache.js';
import { type Dtype, resolveModel } from './model/resolve-model.js';
import { createExecutor } from './onnx/create-executor.js';
import { type PackedBatch, packBatch } from './onnx/inference-engine.js';
import type { OnnxRuntime } from './onnx/onnx-runtime.js';
import { loadTokenizer } from './tokenizer/load-tokenizer.js';
import { resolveTokenCache, type TokenCache } from './tokenizer/token-cache.js';

const positiveInteger = z.number().int().positive();

/** Schema of {@link OnnxEmbedderSettings}. */
export const onnxEmbedderSettingsSchema = z.object({
  model: z
    .string()
    .min(1, 'pass a hub id (Xenova/all-MiniLM-L6-v2) or a local folder')
    .default('Xenova/all-MiniLM-L6-v2'),
  dtype: z.enum(['fp32', 'int8', 'fp16']).default('fp32'),
  device: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  maxLength: positiveInteger.optional(),
  pooling: z.enum(['mean', 'cls']).optional(),
  normalize: z.boolean().optional(),
  batchSize: positiveInteger.default(32),
  maxBatchTokens: positiveInteger.default(2048),
  execution: z.enum(['worker', 'same-thread']).default('worker'),
  workers: positiveInteger.optional(),
  intraOpThreads: positiveInteger.optional(),
  tokenCache: z
    .union([
      z.literal(false),
      z.custom<TokenCache>((value) => typeof value === 'object' && value !== null),
    ])
    .optional(),
  hub: z.custom<HubOptions>((value) => typeof value === 'object' && value !== null).optional(),
  onnxRuntime: z
    .custom<OnnxRuntime>((value) => typeof value === 'object' && value !== null)
    .optional(),
});

/** Settings of {@link createOnnxEmbedder}. */
export interface OnnxEmbedderSettings {
  /**
   * Hub id or a local sentence-transformers ONNX folder.
   * @default 'Xenova/all-MiniLM-L6-v2'
   */
  model?: string;
  /** @default 'fp32' */
  dtype?: Dtype;
  /** @default 'cpu' */
  device?: 'cpu' | 'cuda' | 'auto';
  /** Longest text in tokens. @default sentence_bert_config.json max_seq_length, else 256 */
  maxLength?: number;
  /** @default from 1_Pooling/config.json, else 'mean' */
  pooling?: 'mean' | 'cls';
  /** L2-normalize vectors. @default true when modules.json lists a Normalize module */
  normalize?: boolean;
  /** @default 32 */
  batchSize?: number;
  /** @default 2048 */
  maxBatchTokens?: number;
  /** @default 'worker' */
  execution?: 'worker' | 'same-thread';
  /** @default min(2, cores) */
  workers?: number;
  /** @default cores / workers */
  intraOpThreads?: number;
  /** @default the process-wide shared cache */
  tokenCache?: TokenCache | false;
  hub?: HubOptions;
  onnxRuntime?: OnnxRuntime;
}

/** A sentence-transformers bi-encoder as an {@link EmbedderV1}. */
export interface OnnxEmbedder extends EmbedderV1 {
  readonly provider: string;
  readonly pooling: 'mean' | 'cls';
  readonly normalize: boolean;
  readonly maxLength: number;
  doEmbed(options: EmbedderV1CallOptions): Promise<EmbedderV1Result>;
  dispose(): Promise<void>;
}

const component = 'rerank';

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Loads a sentence-transformers bi-encoder exported to ONNX (reads `modules.json`,
 * `1_Pooling/config.json`, `sentence_bert_config.json`) and returns an {@link EmbedderV1}. Runs
 * on the same runtime as the cross-encoders: tokenizer, sessions, worker pool, hub cache.
 *
 * @example
 * ```ts
 * const embedder = await createOnnxEmbedder({ model: 'Xenova/all-MiniLM-L6-v2' });
 * const { embeddings } = await embedder.doEmbed({ texts: ['hello world'] });
 * ```
 */
export async function createOnnxEmbedder(
  settings: OnnxEmbedderSettings = {},
): Promise<OnnxEmbedder> {
  const resolvedSettings = parseSettings(onnxEmbedderSettingsSchema, settings, { component });
  const model = await resolveModel(
    resolvedSettings.model,
    resolvedSettings.dtype,
    resolvedSettings.hub,
    ['modules.json', '1_Pooling/config.json', 'sentence_bert_config.json'],
  );
  const { tokenizer } = await loadTokenizer({ modelId: model.modelId, folder: model.folder });
  const modules = await readJson<Array<{ type?: string }>>(join(model.folder, 'modules.json'));
  const poolingConfig = await readJson<{
    pooling_mode_cls_token?: boolean;
    pooling_mode_mean_tokens?: boolean;
  }>(join(model.folder, '1_Pooling/config.json'));
  const sentenceConfig = await readJson<{ max_seq_length?: number }>(
    join(model.folder, 'sentence_bert_config.json'),
  );
  const pooling =
    resolvedSettings.pooling ?? (poolingConfig?.pooling_mode_cls_token ? 'cls' : 'mean');
  const normalize =
    resolvedSettings.normalize ??
    modules?.some((module) => module.type?.endsWith('Normalize')) ??
    false;
  const positions = model.config.max_position_embeddings ?? 512;
  const maxLength = Math.min(
    resolvedSettings.maxLength ?? sentenceConfig?.max_seq_length ?? 256,
    positions,
  );
  const dimensions = model.config.hidden_size;
  if (!dimensions) {
    throw new ModelLoadError({
      component,
      modelId: model.modelId,
      path: join(model.folder, 'config.json'),
      message: 'config.json has no hidden_size; cannot tell the embedding dimension',
    });
  }

  const executor = await createExecutor({
    modelId: model.modelId,
    modelPath: model.onnxPath,
    session: {
      device: resolvedSettings.device,
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      allowSpinning: false,
    },
    task: { kind: 'embed', pooling, normalize },
    execution: resolvedSettings.execution,
    ...(resolvedSettings.workers ? { workers: resolvedSettings.workers } : {}),
    ...(resolvedSettings.intraOpThreads ? { intraOpThreads: resolvedSettings.intraOpThreads } : {}),
    ...(resolvedSettings.onnxRuntime ? { onnxRuntime: resolvedSettings.onnxRuntime } : {}),
  });
  const provider = executor.info.provider;
  const tokenCache = resolveTokenCache(resolvedSettings.tokenCache);
  // Texts are cached cut to maxLength tokens, so the limit is part of the key.
  const cacheKey = `${tokenizer.fingerprint}/${maxLength}`;
  let disposed = false;
  return {
    specificationVersion: 'v1',
    modelId: model.modelId,
    dimensions,
    provider,
    pooling,
    normalize,
    maxLength,
    async doEmbed({ texts, abortSignal }) {
      if (disposed)
        throw new StageError({
          component,
          stageId: 'embedder',
          message: `embedder '${model.modelId}' was disposed`,
        });
      abortSignal?.throwIfAborted();
      if (!Array.isArray(texts) || texts.length === 0) {
        throw new InvalidArgumentError({
          component,
          argument: 'texts',
          message: 'texts must be a non-empty array of strings',
        });
      }
      const encoded = texts.map((text, index) => {
        if (typeof text !== 'string') {
          throw new InvalidArgumentError({
            component,
            argument: `texts[${index}]`,
            message: `texts[${index}] must be a string, got ${typeof text}`,
          });
        }
        let ids = tokenCache?.get(cacheKey, text);
        if (!ids) {
          ids = tokenizer.encodeText(text, maxLength);
          tokenCache?.set(cacheKey, text, ids);
        }
        return tokenizer.encodeSingle(ids, maxLength);
      });
      const batches = planBatches(
        encoded.map((ids) => ids.length),
        {
          maxBatchSize: resolvedSettings.batchSize,
          maxBatchTokens: resolvedSettings.maxBatchTokens,
          sortByLength: true,
        },
      );
      const embeddings = new Array<Float32Array>(texts.length);
      await Promise.all(
        batches.map(async (indices) => {
          const prepare = (): PackedBatch =>
            packBatch(
              indices.map((index) => ({ inputIds: encoded[index]! })),
              executor.info.usesTokenTypes,
            );
          let vectors: Float32Array;
          try {
            vectors = await executor.run(prepare);
          } catch (error) {
            throw new StageError({
              component,
              stageId: 'embedder',
              message: `embedding failed for '${model.modelId}': ${(error as Error).message}`,
              cause: error,
            });
          }
          indices.forEach((index, row) => {
            embeddings[index] = vectors.slice(row * dimensions, (row + 1) * dimensions);
          });
        }),
      );
      return { embeddings };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await executor.release();
    },
  };
}
