import { availableParallelism } from 'node:os';
import { DependencyLoadError, ModelLoadError } from '@sieve/core';
import { createWorkerPool, WorkerInitError } from '../workers/worker-pool.js';
import {
  createInferenceEngine,
  type EngineInfo,
  type EngineTask,
  GraphShapeError,
  type PackedBatch,
  type SessionSettings,
} from './inference-engine.js';
import { loadOnnxRuntime, type OnnxRuntime } from './onnx-runtime.js';

/** Runs packed batches on a model: in a worker pool, or serialized on this thread. */
export interface Executor {
  readonly info: EngineInfo;
  /** Sessions (1 on the same thread) and the intra-op threads of each. */
  readonly workers: number;
  readonly intraOpThreads: number;
  /** `prepare` runs only when the batch is about to run (so queued work holds no tensors). */
  run(prepare: () => PackedBatch, abortSignal?: AbortSignal): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Creates the executor of a cross-encoder or an embedder. Load failures become `ModelLoadError`
 * with the model id, the path and the fix; a missing `onnxruntime-node` stays a
 * `DependencyLoadError`.
 */
export async function createExecutor(options: {
  modelId: string;
  modelPath: string;
  session: Omit<SessionSettings, 'intraOpThreads'>;
  task: EngineTask;
  execution: 'worker' | 'same-thread';
  /** @default min(2, cores) in worker mode, 1 on the same thread */
  workers?: number;
  /** @default max(1, floor(cores / workers)): workers x threads stays within the cores */
  intraOpThreads?: number;
  onnxRuntime?: OnnxRuntime;
}): Promise<Executor> {
  const { modelId, modelPath, task } = options;
  const cores = availableParallelism();
  const workers = options.execution === 'worker' ? (options.workers ?? Math.min(2, cores)) : 1;
  const intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(cores / workers));
  const session: SessionSettings = { ...options.session, intraOpThreads };
  try {
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
        const next = tail.then(() => {
          abortSignal?.throwIfAborted();
          return engine.run(prepare());
        });
        tail = next.catch(() => undefined);
        return next;
      },
      release: () => engine.release(),
    };
  } catch (error) {
    if (DependencyLoadError.isInstance(error)) throw error;
    const graph =
      error instanceof GraphShapeError || (error instanceof WorkerInitError && error.graph);
    const kind = task.kind === 'classify' ? 'sequence-classification' : 'bi-encoder';
    const cudaHint =
      session.device === 'cuda'
        ? '; for CUDA, install the CUDA provider (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node, see the @sieve/rerank README) or use device: "auto"'
        : '';
    throw new ModelLoadError({
      component: 'rerank',
      modelId,
      path: modelPath,
      message: graph
        ? `${modelPath} is not a ${kind} graph: ${(error as Error).message}`
        : `ONNX Runtime could not load ${modelPath} (${(error as Error).message})${cudaHint}; if the file is corrupt or truncated, delete it and download or export it again`,
      cause: error,
    });
  }
}
