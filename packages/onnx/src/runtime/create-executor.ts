import { availableParallelism } from 'node:os';
import { DependencyLoadError, ModelLoadError } from '@sieve/core';
import { createWorkerPool, WorkerInitError } from '../workers/worker-pool.js';
import {
  type BatchRun,
  createInferenceEngine,
  type EngineInfo,
  type EngineTask,
  GraphShapeError,
  type PackedBatch,
  type SessionSettings,
} from './inference-engine.js';
import {
  cudaInstallHint,
  type Device,
  loadOnnxRuntime,
  type OnnxRuntime,
  planExecutionProviders,
} from './onnx-runtime.js';

/** Runs packed batches on a model: in a worker pool, or serialized on this thread. */
export interface Executor {
  readonly info: EngineInfo;
  /** Sessions (1 on the same thread) and the intra-op threads of each. */
  readonly workers: number;
  readonly intraOpThreads: number;
  /** `prepare` runs only when the batch is about to run (so queued work holds no tensors). */
  run(prepare: () => PackedBatch, abortSignal?: AbortSignal): Promise<BatchRun>;
  release(): Promise<void>;
}

/** Session options of an executor; the providers follow from `device`. */
export type ExecutorSessionSettings = Omit<SessionSettings, 'intraOpThreads' | 'providers'> & {
  device: Device;
};

let fallbackReported = false;

/**
 * Says once per process, in Sieve's words, that `device: 'auto'` runs on CPU and why. ONNX
 * Runtime's own log is left alone (it is process-wide); the quiet probe keeps it silent when the
 * CUDA provider is simply not installed.
 */
function reportCpuFallback(reason: string): void {
  if (fallbackReported) return;
  fallbackReported = true;
  process.emitWarning(
    `[onnx] device 'auto' runs on CPU: ${reason}. For CUDA: ${cudaInstallHint}.`,
    { type: 'SieveWarning', code: 'SIEVE_CUDA_FALLBACK' },
  );
}

/**
 * Creates the executor of a model. Load failures become `ModelLoadError` with the model id, the
 * path and the fix; a missing `onnxruntime-node` stays a `DependencyLoadError`.
 */
export async function createExecutor(options: {
  modelId: string;
  modelPath: string;
  session: ExecutorSessionSettings;
  task: EngineTask;
  execution: 'worker' | 'same-thread';
  /** @default min(2, cores) in worker mode, 1 on the same thread */
  workers?: number;
  /** @default max(1, floor(cores / workers)): workers x threads stays within the cores */
  intraOpThreads?: number;
  onnxRuntime?: OnnxRuntime;
}): Promise<Executor> {
  const { modelId, modelPath, task } = options;
  const { device, ...sessionOptions } = options.session;
  const cores = availableParallelism();
  const workers = options.execution === 'worker' ? (options.workers ?? Math.min(2, cores)) : 1;
  const intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(cores / workers));
  const plan = planExecutionProviders(device, { injected: options.onnxRuntime !== undefined });
  const session: SessionSettings = {
    ...sessionOptions,
    providers: plan.candidates,
    intraOpThreads,
  };
  if (plan.candidates.length === 0) {
    throw new ModelLoadError({
      component: 'onnx',
      modelId,
      path: modelPath,
      message: `device '${device}' cannot run here: ${plan.skipped}; install the CUDA provider (${cudaInstallHint}) or use device: "auto"`,
    });
  }
  let executor: Executor;
  try {
    executor = await startExecutor(options, session, workers, intraOpThreads);
  } catch (error) {
    if (DependencyLoadError.isInstance(error)) throw error;
    const graph =
      error instanceof GraphShapeError || (error instanceof WorkerInitError && error.graph);
    const kind = task.kind === 'classify' ? 'sequence-classification' : 'bi-encoder';
    const cudaHint =
      device === 'cuda'
        ? `; for CUDA, install the CUDA provider (${cudaInstallHint}) or use device: "auto"`
        : '';
    throw new ModelLoadError({
      component: 'onnx',
      modelId,
      path: modelPath,
      message: graph
        ? `${modelPath} is not a ${kind} graph: ${(error as Error).message}`
        : `ONNX Runtime could not load ${modelPath} (${(error as Error).message})${cudaHint}; if the file is corrupt or truncated, delete it and download or export it again`,
      cause: error,
    });
  }
  if (device === 'auto' && executor.info.provider !== 'cuda') {
    reportCpuFallback(plan.skipped ?? 'the CUDA provider failed to load (see the log above)');
  }
  return executor;
}

async function startExecutor(
  options: { modelPath: string; task: EngineTask; execution: string; onnxRuntime?: OnnxRuntime },
  session: SessionSettings,
  workers: number,
  intraOpThreads: number,
): Promise<Executor> {
  const { modelPath, task } = options;
  if (options.execution === 'worker') {
    const pool = await createWorkerPool(workers, { modelPath, session, task });
    return {
      workers,
      intraOpThreads,
      info: pool.info,
      run: (prepare, abortSignal) => pool.run(prepare, abortSignal),
      release: () => pool.close(),
    };
  }
  const engine = await createInferenceEngine(
    await loadOnnxRuntime(options.onnxRuntime),
    modelPath,
    session,
    task,
  );
  // One session, one run at a time: runs queue in order.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    workers,
    intraOpThreads,
    info: engine.info,
    run(prepare, abortSignal) {
      const queuedAt = performance.now();
      const next = tail.then(async (): Promise<BatchRun> => {
        abortSignal?.throwIfAborted();
        const packStart = performance.now();
        const batch = prepare();
        const packMs = performance.now() - packStart;
        const output = await engine.run(batch);
        return { ...output, packMs, queueMs: packStart - queuedAt, transferMs: 0, returnMs: 0 };
      });
      tail = next.catch(() => undefined);
      return next;
    },
    release: () => engine.release(),
  };
}
