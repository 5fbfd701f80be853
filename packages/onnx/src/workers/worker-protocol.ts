import type {
  EngineInfo,
  EngineTask,
  PackedBatch,
  SessionSettings,
} from '../runtime/inference-engine.js';

/** Data a worker starts with. */
export interface WorkerInit {
  modelPath: string;
  session: SessionSettings;
  task: EngineTask;
}

/** Host -> worker. `postedAt`: {@link absoluteNow} when the host posted it. */
export type WorkerRequest =
  | { type: 'run'; id: number; batch: PackedBatch; postedAt: number }
  | { type: 'close' };

/** Worker -> host. */
export type WorkerResponse =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'init-error'; message: string; graph: boolean }
  | {
      type: 'result';
      id: number;
      scores: Float32Array;
      /** {@link absoluteNow} when the worker picked the batch up and when it posted the result. */
      receivedAt: number;
      sentAt: number;
      feedMs: number;
      runMs: number;
      paddedTokens: number;
    }
  | { type: 'error'; id: number; message: string };

/**
 * Milliseconds on a clock that threads of one process share (`performance.now()` counts from
 * each thread's own start), so the host and a worker can time the hand-over between them.
 */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}
