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

/** Host -> worker. */
export type WorkerRequest = { type: 'run'; id: number; batch: PackedBatch } | { type: 'close' };

/** Worker -> host. */
export type WorkerResponse =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'init-error'; message: string; graph: boolean }
  | { type: 'result'; id: number; scores: Float32Array }
  | { type: 'error'; id: number; message: string };
