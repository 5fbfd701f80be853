import { z } from 'zod';
import type { HubOptions } from './model/hub-cache.js';
import type { OnnxRuntime } from './onnx/onnx-runtime.js';
import type { TokenCache } from './tokenizer/token-cache.js';

const positiveInteger = z.number().int().positive();

/** Schema of {@link CrossEncoderSettings}. */
export const crossEncoderSettingsSchema = z.object({
  model: z.string().min(1, 'pass a hub id (Xenova/ms-marco-MiniLM-L-6-v2) or a local folder'),
  stageId: z.string().min(1).optional(),
  dtype: z.enum(['fp32', 'int8', 'fp16']).optional(),
  device: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  maxLength: positiveInteger.optional(),
  batchSize: positiveInteger.default(32),
  maxBatchTokens: positiveInteger.default(1024),
  sortByLength: z.boolean().default(true),
  deterministic: z.boolean().default(false),
  activation: z.enum(['none', 'sigmoid']).default('none'),
  execution: z.enum(['worker', 'same-thread']).default('worker'),
  workers: positiveInteger.optional(),
  intraOpThreads: positiveInteger.optional(),
  graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
  enableCpuMemArena: z.boolean().default(true),
  optimizedModelPath: z.string().optional(),
  allowSpinning: z.boolean().default(false),
  tokenCache: z
    .union([
      z.literal(false),
      z.custom<TokenCache>(
        (value) => typeof value === 'object' && value !== null && 'get' in value,
      ),
    ])
    .optional(),
  hub: z.custom<HubOptions>((value) => typeof value === 'object' && value !== null).optional(),
  onnxRuntime: z
    .custom<OnnxRuntime>((value) => typeof value === 'object' && value !== null)
    .optional(),
});

/** Settings of `createCrossEncoder`. */
export interface CrossEncoderSettings {
  /** Hub id (`Xenova/ms-marco-MiniLM-L-6-v2`) or a local folder in the same layout. */
  model: string;
  /** Stage id in a cascade. @default the model name, e.g. `ms-marco-MiniLM-L-6-v2` */
  stageId?: string;
  /**
   * Weights: `fp32` (onnx/model.onnx), `int8` (onnx/model_quantized.onnx, CPU only by default
   * choice), `fp16` (onnx/model_fp16.onnx).
   * @default 'fp32'
   */
  dtype?: 'fp32' | 'int8' | 'fp16';
  /** `cpu`, `cuda`, or `auto` (CUDA when it loads, else CPU). @default 'cpu' */
  device?: 'cpu' | 'cuda' | 'auto';
  /** Longest pair in tokens (special tokens included). @default min(config max positions, tokenizer max length), else 512 */
  maxLength?: number;
  /** Most pairs per ONNX run. @default 32 */
  batchSize?: number;
  /**
   * Most padded tokens per ONNX run. Small batches of long pairs run faster on CPU (activations
   * stay in cache): see BENCHMARKS.md.
   * @default 1024
   */
  maxBatchTokens?: number;
  /** Bucket pairs by length to cut padding; results return in input order. @default true */
  sortByLength?: boolean;
  /**
   * Score every pair alone (batch of 1, no padding) so that int8 scores do not depend on batch
   * composition (dynamic quantization picks one scale per batch). Slower.
   * @default false
   */
  deterministic?: boolean;
  /** `none`: raw logits; `sigmoid`: probabilities. A single logit is never softmaxed. @default 'none' */
  activation?: 'none' | 'sigmoid';
  /** `worker`: inference in worker threads, the host loop stays free; `same-thread` for scripts. @default 'worker' */
  execution?: 'worker' | 'same-thread';
  /** Worker threads (sessions). @default min(2, cores) */
  workers?: number;
  /** Intra-op threads per session. @default max(1, floor(cores / workers)) */
  intraOpThreads?: number;
  /** ONNX Runtime graph optimization level. @default 'all' */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ONNX Runtime CPU memory arena. @default true */
  enableCpuMemArena?: boolean;
  /** Save the optimized graph here (faster later loads). */
  optimizedModelPath?: string;
  /** Let idle ONNX threads spin (lower latency, burns CPU). @default false */
  allowSpinning?: boolean;
  /** Token cache to share between stages; `false` disables. @default the process-wide shared cache */
  tokenCache?: TokenCache | false;
  /** Hub download options: revision, cacheDir, endpoint, offline, onProgress. */
  hub?: HubOptions;
  /** An `onnxruntime-node` module to use instead of importing it (same-thread execution). */
  onnxRuntime?: OnnxRuntime;
}
