import { Worker } from 'node:worker_threads';
import type { BatchRun, EngineInfo, PackedBatch } from '../runtime/inference-engine.js';
import {
  absoluteNow,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './worker-protocol.js';

/** A failure reported by a worker while starting (session creation). */
export class WorkerInitError extends Error {
  constructor(
    message: string,
    readonly graph: boolean,
  ) {
    super(message);
  }
}

/** Runs packed batches on a pool of inference workers, one ONNX session each. */
export interface WorkerPool {
  readonly info: EngineInfo;
  readonly size: number;
  /**
   * Runs a batch on the next free worker. `prepare` is called only when a worker is free, so
   * queued work holds no encoded tensors (back-pressure: callers that outrun the pool wait).
   */
  run(prepare: () => PackedBatch, abortSignal?: AbortSignal): Promise<BatchRun>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending?: {
    id: number;
    resolve: (run: BatchRun) => void;
    reject: (error: Error) => void;
    /** When the task was queued, packing started and ended, and the batch was posted. */
    queuedAt: number;
    packMs: number;
    postedAt: number;
  };
}

interface QueuedTask {
  prepare: () => PackedBatch;
  resolve: (run: BatchRun) => void;
  reject: (error: unknown) => void;
  abortSignal: AbortSignal | undefined;
  queuedAt: number;
}

/**
 * Starts a worker on the built entry next to the bundle. When this module runs from its
 * TypeScript source (the repo's tests), the worker first registers tsx: Node 20 does not pass
 * `--import` loaders to workers through `execArgv`.
 */
function startWorker(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./inference-worker.js', here), { workerData: init });
  const source = new URL('./inference-worker.ts', here).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

/** Starts `size` workers and waits until each has its session. */
export async function createWorkerPool(size: number, init: WorkerInit): Promise<WorkerPool> {
  const slots: Slot[] = [];
  const queue: QueuedTask[] = [];
  let nextId = 0;
  let closed = false;

  const startOne = (): Promise<{ slot: Slot; info: EngineInfo }> =>
    new Promise((resolve, reject) => {
      const worker = startWorker(init);
      const slot: Slot = { worker, busy: false };
      const onFirst = (message: WorkerResponse): void => {
        if (message.type === 'ready') {
          worker.off('error', onStartError);
          worker.on('message', (response: WorkerResponse) => onMessage(slot, response));
          worker.on('error', (error) => onCrash(slot, error));
          worker.on('exit', (code) => {
            if (!closed) onCrash(slot, new Error(`inference worker exited with code ${code}`));
          });
          // An idle worker does not keep the host process alive: a script that forgets
          // dispose() still exits. A busy one does (its result is awaited).
          worker.unref();
          resolve({ slot, info: message.info });
        } else if (message.type === 'init-error') {
          void worker.terminate();
          reject(new WorkerInitError(message.message, message.graph));
        }
      };
      const onStartError = (error: Error): void => reject(error);
      worker.once('message', onFirst);
      worker.once('error', onStartError);
      // A worker that dies before saying ready or failing (a native crash) must not leave the
      // start pending forever; once it is ready this rejection is a no-op.
      worker.once('exit', (code) =>
        reject(new Error(`inference worker exited with code ${code} while starting`)),
      );
    });

  const onMessage = (slot: Slot, response: WorkerResponse): void => {
    const pending = slot.pending;
    if (
      !pending ||
      (response.type !== 'result' && response.type !== 'error') ||
      response.id !== pending.id
    )
      return;
    slot.pending = undefined;
    slot.busy = false;
    slot.worker.unref();
    if (response.type === 'result') {
      const receivedAt = absoluteNow();
      pending.resolve({
        values: response.scores,
        feedMs: response.feedMs,
        runMs: response.runMs,
        paddedTokens: response.paddedTokens,
        packMs: pending.packMs,
        queueMs: pending.postedAt - pending.packMs - pending.queuedAt,
        // Clocks of two threads: clamp the (sub-millisecond) skew.
        transferMs: Math.max(0, response.receivedAt - pending.postedAt),
        returnMs: Math.max(0, receivedAt - response.sentAt),
      });
    } else pending.reject(new Error(response.message));
    dispatch();
  };

  /** Replacements being started: while one is, queued work waits for it. */
  let starting = 0;

  /**
   * Starts a worker in place of a lost one. When it cannot start (the model file is gone, memory
   * ran out) and no worker is left, queued tasks reject instead of waiting for a worker that
   * never comes; the next `run` tries again.
   */
  const replace = (): void => {
    starting += 1;
    startOne().then(
      ({ slot: fresh }) => {
        starting -= 1;
        if (closed) {
          void fresh.worker.terminate();
          return;
        }
        slots.push(fresh);
        dispatch();
      },
      (error: unknown) => {
        starting -= 1;
        if (closed || slots.length > 0 || starting > 0) return;
        const failure = new Error(
          `could not restart an inference worker: ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        );
        for (const task of queue.splice(0)) task.reject(failure);
      },
    );
  };

  const onCrash = (slot: Slot, error: Error): void => {
    // The batch in flight is not retried: a batch that kills its worker may kill the next one
    // too, so the caller gets the failure (a StageError from the pipeline) and decides.
    slot.pending?.reject(error);
    slot.pending = undefined;
    // A crashed worker is replaced so the pool keeps its size.
    const index = slots.indexOf(slot);
    if (index === -1 || closed) return;
    slots.splice(index, 1);
    replace();
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (slot.busy) continue;
      let task = queue.shift();
      while (task?.abortSignal?.aborted) {
        task.reject(task.abortSignal.reason);
        task = queue.shift();
      }
      if (!task) return;
      let batch: PackedBatch;
      const packStart = absoluteNow();
      try {
        batch = task.prepare();
      } catch (error) {
        task.reject(error);
        continue;
      }
      const postedAt = absoluteNow();
      const id = nextId++;
      slot.busy = true;
      slot.worker.ref();
      slot.pending = {
        id,
        resolve: task.resolve,
        reject: task.reject,
        queuedAt: task.queuedAt,
        packMs: postedAt - packStart,
        postedAt,
      };
      const transfer = [
        batch.ids.buffer,
        batch.lengths.buffer,
        ...(batch.typeIds ? [batch.typeIds.buffer] : []),
      ];
      slot.worker.postMessage(
        { type: 'run', id, batch, postedAt } satisfies WorkerRequest,
        transfer as ArrayBuffer[],
      );
    }
  };

  const started = await Promise.allSettled(Array.from({ length: size }, () => startOne()));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(
      started.map((result) =>
        result.status === 'fulfilled' ? result.value.slot.worker.terminate() : undefined,
      ),
    );
    throw (failure as PromiseRejectedResult).reason;
  }
  const ready = started.map(
    (result) => (result as PromiseFulfilledResult<{ slot: Slot; info: EngineInfo }>).value,
  );
  for (const { slot } of ready) slots.push(slot);

  return {
    info: ready[0]!.info,
    size,
    run(prepare, abortSignal) {
      if (closed) return Promise.reject(new Error('the worker pool is closed'));
      if (abortSignal?.aborted) return Promise.reject(abortSignal.reason);
      return new Promise((resolve, reject) => {
        queue.push({ prepare, resolve, reject, abortSignal, queuedAt: absoluteNow() });
        // Every worker was lost and could not be replaced: try once more for this task.
        if (slots.length === 0 && starting === 0) replace();
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('the worker pool was closed'));
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
