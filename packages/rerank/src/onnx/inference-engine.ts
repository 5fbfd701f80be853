import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { type Device, deviceExecutionProviders, type OnnxRuntime } from './onnx-runtime.js';

/** ONNX Runtime session options Sieve exposes. */
export interface SessionSettings {
  device: Device;
  /** Threads of one session's intra-op pool. */
  intraOpThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  enableCpuMemArena: boolean;
  /** Where ONNX Runtime saves the optimized graph (speeds up later loads). */
  optimizedModelPath?: string;
  /** Let idle intra-op threads spin: lower latency, burns CPU. */
  allowSpinning: boolean;
}

/** A batch of encoded pairs, packed flat so it can be transferred to a worker without copies. */
export interface PackedBatch {
  /** Token ids of every pair, concatenated. */
  ids: Int32Array;
  /** Token type ids, concatenated; absent when the graph has no token_type_ids input. */
  typeIds?: Int32Array;
  /** Length of each pair. */
  lengths: Int32Array;
}

/** What the engine learned about the graph. */
export interface EngineInfo {
  /** The execution provider that runs. */
  provider: string;
  inputNames: readonly string[];
  outputName: string;
  usesTokenTypes: boolean;
}

/** One ONNX session that scores packed batches of pairs. */
export interface InferenceEngine {
  readonly info: EngineInfo;
  /** First logit of each pair, in batch order. */
  run(batch: PackedBatch): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Thrown when the graph does not look like a sequence classifier; the caller wraps it. */
export class GraphShapeError extends Error {}

/**
 * Creates a session (trying each provider list of the device in turn) and checks the graph: it
 * needs `input_ids` and `attention_mask`, and a `logits` output (or a single output).
 */
export async function createInferenceEngine(
  ort: OnnxRuntime,
  modelPath: string,
  settings: SessionSettings,
): Promise<InferenceEngine> {
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: settings.graphOptimizationLevel,
    enableCpuMemArena: settings.enableCpuMemArena,
    ...(settings.optimizedModelPath ? { optimizedModelFilePath: settings.optimizedModelPath } : {}),
    extra: { session: { intra_op: { allow_spinning: settings.allowSpinning ? '1' : '0' } } },
  };
  let session: InferenceSession | undefined;
  let provider = '';
  const failures: string[] = [];
  for (const providers of deviceExecutionProviders[settings.device]) {
    try {
      session = await ort.InferenceSession.create(modelPath, {
        ...options,
        executionProviders: [...providers],
      });
      provider = providers[0]!;
      break;
    } catch (error) {
      failures.push(`${providers.join('+')}: ${(error as Error).message}`);
    }
  }
  if (!session) throw new Error(failures.join('; '));

  const inputNames = session.inputNames;
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputNames.includes(required)) {
      await session.release();
      throw new GraphShapeError(
        `the graph has no '${required}' input (inputs: ${inputNames.join(', ')})`,
      );
    }
  }
  const outputName = session.outputNames.includes('logits')
    ? 'logits'
    : session.outputNames.length === 1
      ? session.outputNames[0]!
      : undefined;
  if (!outputName) {
    await session.release();
    throw new GraphShapeError(
      `the graph has no 'logits' output (outputs: ${session.outputNames.join(', ')}); export it as a sequence classifier`,
    );
  }
  const usesTokenTypes = inputNames.includes('token_type_ids');
  const live = session;

  return {
    info: { provider, inputNames, outputName, usesTokenTypes },
    async run(batch) {
      const rows = batch.lengths.length;
      let width = 0;
      for (const length of batch.lengths) width = Math.max(width, length);
      const ids = new BigInt64Array(rows * width);
      const mask = new BigInt64Array(rows * width);
      const types = usesTokenTypes ? new BigInt64Array(rows * width) : undefined;
      let offset = 0;
      for (let row = 0; row < rows; row++) {
        const length = batch.lengths[row]!;
        const base = row * width;
        for (let column = 0; column < length; column++) {
          ids[base + column] = BigInt(batch.ids[offset + column]!);
          mask[base + column] = 1n;
          if (types && batch.typeIds)
            types[base + column] = BigInt(batch.typeIds[offset + column]!);
        }
        offset += length;
      }
      const feeds: Record<string, Tensor> = {
        input_ids: new ort.Tensor('int64', ids, [rows, width]),
        attention_mask: new ort.Tensor('int64', mask, [rows, width]),
      };
      if (types) feeds.token_type_ids = new ort.Tensor('int64', types, [rows, width]);
      const output = (await live.run(feeds))[outputName]!;
      const data = output.data as Float32Array;
      const perRow = output.dims.length > 1 ? Number(output.dims[output.dims.length - 1]) : 1;
      if (data.length !== rows * perRow) {
        throw new GraphShapeError(
          `output '${outputName}' has shape [${output.dims.join(', ')}] for ${rows} pairs`,
        );
      }
      const scores = new Float32Array(rows);
      for (let row = 0; row < rows; row++) scores[row] = data[row * perRow]!;
      return scores;
    },
    release: () => live.release(),
  };
}
