import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EmbedderV1,
  type EmbedderV1CallOptions,
  type EmbedderV1Result,
  InvalidArgumentError,
  ModelLoadError,
  parseSettings,
} from '@sieve/core';
import { z } from 'zod';
import { createModelPipeline } from '../pipeline/create-model-pipeline.js';
import { checkModelSettings, modelSettingsSchema } from '../pipeline/model-settings.js';
import type { EngineTask } from '../runtime/inference-engine.js';

/** Schema of {@link OnnxEmbedderSettings}. */
export const onnxEmbedderSettingsSchema = modelSettingsSchema
  .extend({
    /**
     * Hub id or a local sentence-transformers ONNX folder.
     * @default 'Xenova/all-MiniLM-L6-v2'
     */
    model: modelSettingsSchema.shape.model.default('Xenova/all-MiniLM-L6-v2'),
    /** Longest text in tokens. @default sentence_bert_config.json max_seq_length, else 256 */
    maxLength: modelSettingsSchema.shape.maxLength,
    /** Most padded tokens per ONNX run. @default 2048 */
    maxBatchTokens: z.number().int().positive().default(2048),
    /** @default from 1_Pooling/config.json, else 'mean' */
    pooling: z.enum(['mean', 'cls']).optional(),
    /** L2-normalize vectors. @default true when modules.json lists a Normalize module */
    normalize: z.boolean().optional(),
  })
  .strict()
  .superRefine(checkModelSettings);

/** Settings of {@link createOnnxEmbedder}. */
export type OnnxEmbedderSettings = z.input<typeof onnxEmbedderSettingsSchema>;

/** A sentence-transformers bi-encoder as an {@link EmbedderV1}. */
export interface OnnxEmbedder extends EmbedderV1 {
  /** The execution provider that runs (`cpu` or `cuda`). */
  readonly provider: string;
  readonly pooling: 'mean' | 'cls';
  readonly normalize: boolean;
  /** Longest text in tokens, special tokens included. */
  readonly maxLength: number;
  doEmbed(options: EmbedderV1CallOptions): Promise<EmbedderV1Result>;
  /** Stops workers and frees sessions. */
  dispose(): Promise<void>;
}

const component = 'embed';
const stageId = 'embedder';

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Loads a sentence-transformers bi-encoder exported to ONNX (reads `modules.json`,
 * `1_Pooling/config.json`, `sentence_bert_config.json`) and returns an {@link EmbedderV1}. A task
 * on the model pipeline that the cross-encoders use: tokenizer, token cache, sessions, worker
 * pool, hub cache.
 *
 * @example
 * ```ts
 * const embedder = await createOnnxEmbedder({ model: 'Xenova/all-MiniLM-L6-v2' });
 * const { embeddings } = await embedder.doEmbed({ texts: ['hello world'] });
 * await embedder.dispose();
 * ```
 */
export async function createOnnxEmbedder(
  settings: OnnxEmbedderSettings = {},
): Promise<OnnxEmbedder> {
  const resolved = parseSettings(onnxEmbedderSettingsSchema, settings, { component });
  const pipeline = await createModelPipeline(resolved, {
    component,
    stageId,
    extraFiles: ['modules.json', '1_Pooling/config.json', 'sentence_bert_config.json'],
    async task({ model }) {
      const modules = await readJson<Array<{ type?: string }>>(join(model.folder, 'modules.json'));
      const poolingConfig = await readJson<{ pooling_mode_cls_token?: boolean }>(
        join(model.folder, '1_Pooling/config.json'),
      );
      return {
        kind: 'embed',
        pooling: resolved.pooling ?? (poolingConfig?.pooling_mode_cls_token ? 'cls' : 'mean'),
        normalize:
          resolved.normalize ??
          modules?.some((module) => module.type?.endsWith('Normalize')) ??
          false,
      };
    },
    async defaultMaxLength({ model }) {
      const sentenceConfig = await readJson<{ max_seq_length?: number }>(
        join(model.folder, 'sentence_bert_config.json'),
      );
      return sentenceConfig?.max_seq_length ?? 256;
    },
    checkModel({ model }) {
      if (!model.config.hidden_size) {
        throw new ModelLoadError({
          component,
          modelId: model.modelId,
          path: join(model.folder, 'config.json'),
          message: 'config.json has no hidden_size; cannot tell the embedding dimension',
        });
      }
    },
  });
  const { pooling, normalize } = pipeline.task as Extract<EngineTask, { kind: 'embed' }>;
  const dimensions = pipeline.model.config.hidden_size!;
  const { tokenizer, maxLength } = pipeline;

  return {
    specificationVersion: 'v1',
    modelId: pipeline.model.modelId,
    dimensions,
    provider: pipeline.provider,
    pooling,
    normalize,
    maxLength,
    async doEmbed({ texts, abortSignal }) {
      pipeline.assertUsable(abortSignal);
      if (!Array.isArray(texts) || texts.length === 0) {
        throw new InvalidArgumentError({
          component,
          argument: 'texts',
          message: 'texts must be a non-empty array of strings',
        });
      }
      texts.forEach((text, index) => {
        if (typeof text !== 'string') {
          throw new InvalidArgumentError({
            component,
            argument: `texts[${index}]`,
            message: `texts[${index}] must be a string, got ${typeof text}`,
          });
        }
      });
      const rows = (await pipeline.encodeAll(texts, abortSignal)).map((ids) =>
        tokenizer.encodeSingle(ids, maxLength),
      );
      const { values: vectors } = await pipeline.runRows({
        lengths: rows.map((ids) => ids.length),
        encodeRow: (index) => ({ inputIds: rows[index]! }),
        width: dimensions,
        abortSignal,
      });
      const embeddings = texts.map((_, index) =>
        vectors.slice(index * dimensions, (index + 1) * dimensions),
      );
      return { embeddings };
    },
    dispose: () => pipeline.dispose(),
  };
}
