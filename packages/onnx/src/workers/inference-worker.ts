// Entry of an inference worker thread: one ONNX session, batches in, scores out.
import { parentPort, workerData } from 'node:worker_threads';
import { createInferenceEngine, GraphShapeError } from '../runtime/inference-engine.js';
import { loadOnnxRuntime } from '../runtime/onnx-runtime.js';
import {
  absoluteNow,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');
const init = workerData as WorkerInit;
const send = (message: WorkerResponse, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

/**
 * Fault injection for tests of what survives a crashed worker (the server's 503, the pool's
 * replacement): `SIEVE_FAULT_INJECT=worker-exit:N` in the environment the worker starts with makes
 * it exit (code 70) on receiving its Nth batch, before answering. Read once, at start.
 */
const exitOnBatch = Number(/^worker-exit:(\d+)$/.exec(process.env.SIEVE_FAULT_INJECT ?? '')?.[1]);
let batchesReceived = 0;

try {
  const ort = await loadOnnxRuntime();
  const engine = await createInferenceEngine(ort, init.modelPath, init.session, init.task);
  send({ type: 'ready', info: engine.info });
  port.on('message', async (request: WorkerRequest) => {
    if (request.type === 'close') {
      await engine.release();
      port.close();
      return;
    }
    const receivedAt = absoluteNow();
    if (++batchesReceived === exitOnBatch) process.exit(70);
    try {
      const { values, feedMs, runMs, paddedTokens } = await engine.run(request.batch);
      send(
        {
          type: 'result',
          id: request.id,
          scores: values,
          receivedAt,
          sentAt: absoluteNow(),
          feedMs,
          runMs,
          paddedTokens,
        },
        [values.buffer as ArrayBuffer],
      );
    } catch (error) {
      send({ type: 'error', id: request.id, message: (error as Error).message });
    }
  });
} catch (error) {
  send({
    type: 'init-error',
    message: (error as Error).message,
    graph: error instanceof GraphShapeError,
  });
}
