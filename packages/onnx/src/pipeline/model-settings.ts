import { z } from 'zod';
import type { HubOptions } from '../model/hub-cache.js';
import { dtypes } from '../model/resolve-model.js';
import { devices, type OnnxRuntime } from '../runtime/onnx-runtime.js';
import type { TokenCache } from '../tokenizer/token-cache.js';

const positiveInteger = z.number().int().positive();
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

/**
 * Settings every ONNX model task shares (cross-encoder, bi-encoder): where the model is, how it
 * runs, how its inputs are batched. A task extends this schema with its own fields; the settings
 * type of a task is derived from its schema, so each field is documented once, here.
 */
export const modelSettingsSchema = z.object({
  /** Hub id (`Xenova/ms-marco-MiniLM-L-6-v2`) or a local folder in the same layout. */
  model: z.string().min(1, 'pass a hub id (Xenova/ms-marco-MiniLM-L-6-v2) or a local folder'),
  /**
   * Weights: `fp32` (onnx/model.onnx), `int8` (onnx/model_quantized.onnx, dynamic quantization;
   * never chosen for you), `int8-static` (onnx/model_static_quantized.onnx, calibrated: scores do
   * not depend on batch-mates; written by `npm run models -- convert`), `fp16`
   * (onnx/model_fp16.onnx, for GPUs).
   * @default 'fp32'
   */
  dtype: z.enum(dtypes).default('fp32'),
  /** `cpu`, `cuda`, or `auto` (CUDA when its provider loads, else CPU, said once). @default 'cpu' */
  device: z.enum(devices).default('cpu'),
  /** Longest input in tokens, special tokens included. @default the model's (see each task) */
  maxLength: positiveInteger.optional(),
  /** Most inputs (pairs or texts) per ONNX run. @default 32 */
  maxBatchSize: positiveInteger.default(32),
  /**
   * Most padded tokens per ONNX run. Small batches of long inputs run faster on CPU (activations
   * stay in cache): see BENCHMARKS.md.
   * @default 1024
   */
  maxBatchTokens: positiveInteger.default(1024),
  /** Bucket inputs by length to cut padding; results return in input order. @default true */
  sortByLength: z.boolean().default(true),
  /**
   * `worker`: inference in worker threads, the host's event loop stays free; `same-thread` for
   * scripts.
   * @default 'worker'
   */
  execution: z.enum(['worker', 'same-thread']).default('worker'),
  /** Worker threads (one session each). @default min(2, cores) */
  workers: positiveInteger.optional(),
  /** Intra-op threads per session. @default max(1, floor(cores / workers)) */
  intraOpThreads: positiveInteger.optional(),
  /** ONNX Runtime graph optimization level. @default 'all' */
  graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  /** ONNX Runtime CPU memory arena. @default true */
  enableCpuMemArena: z.boolean().default(true),
  /** Save the optimized graph here (faster later loads). */
  optimizedModelPath: z.string().optional(),
  /** Let idle ONNX threads spin (lower latency, burns CPU). @default false */
  allowSpinning: z.boolean().default(false),
  /**
   * Token cache to share between models with one vocabulary; `false` disables it.
   * @default the process-wide shared cache
   */
  tokenCache: z
    .union([
      z.literal(false),
      z.custom<TokenCache>(
        (value) => isObject(value) && typeof (value as TokenCache).get === 'function',
        { message: 'must be a TokenCache (createTokenCache()) or false' },
      ),
    ])
    .optional(),
  /** Hub download options: revision, cacheDir, endpoint, offline, onProgress. */
  hub: z.custom<HubOptions>(isObject, { message: 'must be an object of hub options' }).optional(),
  /**
   * An `onnxruntime-node` module to use instead of importing it; only with `execution:
   * 'same-thread'` (a worker imports its own, as a module cannot cross threads).
   */
  onnxRuntime: z
    .custom<OnnxRuntime>(isObject, { message: 'must be the onnxruntime-node module' })
    .optional(),
});

/**
 * The checks between fields of {@link modelSettingsSchema}; each task's schema applies them after
 * its own `extend`.
 */
export function checkModelSettings(
  settings: { execution: 'worker' | 'same-thread'; onnxRuntime?: unknown },
  context: z.RefinementCtx,
): void {
  if (settings.onnxRuntime !== undefined && settings.execution === 'worker') {
    context.addIssue({
      code: 'custom',
      path: ['onnxRuntime'],
      message:
        "an injected onnxRuntime runs only on the same thread: pass execution: 'same-thread', or leave onnxRuntime out",
    });
  }
}

/** Settings shared by ONNX model tasks, as a caller writes them. */
export type ModelSettings = z.input<typeof modelSettingsSchema>;

/** {@link ModelSettings} after validation and defaults. */
export type ResolvedModelSettings = z.output<typeof modelSettingsSchema>;
