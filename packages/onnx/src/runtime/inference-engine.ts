import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { OnnxRuntime } from './onnx-runtime.js';

/** ONNX Runtime session options Sieve exposes. */
export interface SessionSettings {
  /** Provider lists to try in order (from `planExecutionProviders`). */
  providers: readonly (readonly string[])[];
  /** Threads of one session's intra-op pool. */
  intraOpThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  enableCpuMemArena: boolean;
  /** Where ONNX Runtime saves the optimized graph (speeds up later loads). */
  optimizedModelPath?: string;
  /** Let idle intra-op threads spin: lower latency, burns CPU. */
  allowSpinning: boolean;
}

/**
 * What the session computes: a classifier's first logit per row, or a bi-encoder's sentence
 * embedding (pooled over the attention mask, optionally L2-normalized) per row.
 */
export type EngineTask =
  | { kind: 'classify' }
  | { kind: 'embed'; pooling: 'mean' | 'cls'; normalize: boolean };

/** A batch of encoded pairs, packed flat so it can be transferred to a worker without copies. */
export interface PackedBatch {
  /** Token ids of every pair, concatenated. */
  ids: Int32Array;
  /** Token type ids, concatenated; absent when the graph has no token_type_ids input. */
  typeIds?: Int32Array;
  /** Length of each pair. */
  lengths: Int32Array;
}

/**
 * Concatenates encoded rows into one {@link PackedBatch}. Type ids are packed only when the graph
 * takes them; a row without type ids (a single text) gets zeros.
 */
export function packBatch(
  rows: ReadonlyArray<{ inputIds: Int32Array; tokenTypeIds?: Int32Array }>,
  withTypes: boolean,
): PackedBatch {
  const total = rows.reduce((sum, row) => sum + row.inputIds.length, 0);
  const ids = new Int32Array(total);
  const typeIds = withTypes ? new Int32Array(total) : undefined;
  const lengths = new Int32Array(rows.length);
  let offset = 0;
  for (const [index, row] of rows.entries()) {
    ids.set(row.inputIds, offset);
    if (row.tokenTypeIds) typeIds?.set(row.tokenTypeIds, offset);
    lengths[index] = row.inputIds.length;
    offset += row.inputIds.length;
  }
  return typeIds ? { ids, typeIds, lengths } : { ids, lengths };
}

/** What the engine learned about the graph. */
export interface EngineInfo {
  /** The execution provider that runs. */
  provider: string;
  inputNames: readonly string[];
  outputName: string;
  usesTokenTypes: boolean;
  /** Values per row of `run`'s result: 1 for a classifier, the hidden size for an embedder. */
  width?: number;
}

/** What one batch returns: its values and where the engine's time went. */
export interface EngineOutput {
  /** Per row, in batch order: the first logit, or the pooled embedding (rows x width values). */
  values: Float32Array;
  /** Building the int64 input tensors, in milliseconds. */
  feedMs: number;
  /** `session.run` and reading its output, in milliseconds. */
  runMs: number;
  /** Rows x the longest row: the tokens the session computed. */
  paddedTokens: number;
}

/** One batch run through an executor: the engine's output and the host's view of its time. */
export interface BatchRun extends EngineOutput {
  /** `prepare` (rows assembled and packed), in milliseconds. */
  packMs: number;
  /** Waiting for a free session. */
  queueMs: number;
  /** Host post to worker pick-up; 0 on the same thread. */
  transferMs: number;
  /** Worker post to host receipt; 0 on the same thread. */
  returnMs: number;
}

/** One ONNX session that scores packed batches of pairs. */
export interface InferenceEngine {
  readonly info: EngineInfo;
  run(batch: PackedBatch): Promise<EngineOutput>;
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
  task: EngineTask = { kind: 'classify' },
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
  for (const providers of settings.providers) {
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
  const wanted = task.kind === 'classify' ? ['logits'] : ['last_hidden_state', 'token_embeddings'];
  // A lone output of another name is accepted, unless it names the other kind of model.
  const foreign = task.kind === 'classify' ? ['last_hidden_state', 'token_embeddings'] : ['logits'];
  const lone = session.outputNames.length === 1 ? session.outputNames[0]! : undefined;
  const outputName =
    wanted.find((name) => session!.outputNames.includes(name)) ??
    (lone !== undefined && !foreign.includes(lone) ? lone : undefined);
  if (!outputName) {
    await session.release();
    throw new GraphShapeError(
      task.kind === 'classify'
        ? `the graph has no 'logits' output (outputs: ${session.outputNames.join(', ')}); export it as a sequence classifier`
        : `the graph has no 'last_hidden_state' output (outputs: ${session.outputNames.join(', ')}); export the transformer of a sentence-transformers model`,
    );
  }
  const usesTokenTypes = inputNames.includes('token_type_ids');
  const live = session;

  return {
    info: { provider, inputNames, outputName, usesTokenTypes },
    async run(batch) {
      const fed = performance.now();
      const { feeds, rows, width } = buildFeeds(ort, batch, usesTokenTypes);
      const started = performance.now();
      const output = (await live.run(feeds))[outputName]!;
      const data = output.data as Float32Array;
      let values: Float32Array;
      if (task.kind === 'embed') {
        values = pool(data, output.dims, batch.lengths, width, task);
      } else {
        const perRow = output.dims.length > 1 ? Number(output.dims[output.dims.length - 1]) : 1;
        if (data.length !== rows * perRow) {
          throw new GraphShapeError(
            `output '${outputName}' has shape [${output.dims.join(', ')}] for ${rows} pairs`,
          );
        }
        values = new Float32Array(rows);
        for (let row = 0; row < rows; row++) values[row] = data[row * perRow]!;
      }
      return {
        values,
        feedMs: started - fed,
        runMs: performance.now() - started,
        paddedTokens: rows * width,
      };
    },
    release: () => live.release(),
  };
}

/**
 * The session's inputs from a packed batch: `input_ids`, `attention_mask` and (when the graph
 * takes them) `token_type_ids`, int64, padded with zeros to the longest row.
 */
function buildFeeds(
  ort: OnnxRuntime,
  batch: PackedBatch,
  usesTokenTypes: boolean,
): { feeds: Record<string, Tensor>; rows: number; width: number } {
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
      if (types && batch.typeIds) types[base + column] = BigInt(batch.typeIds[offset + column]!);
    }
    offset += length;
  }
  const feeds: Record<string, Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [rows, width]),
    attention_mask: new ort.Tensor('int64', mask, [rows, width]),
  };
  if (types) feeds.token_type_ids = new ort.Tensor('int64', types, [rows, width]);
  return { feeds, rows, width };
}

/** Mean (over real tokens) or CLS pooling of `[rows, width, hidden]`, then optional L2 norm. */
function pool(
  data: Float32Array,
  dims: readonly number[],
  lengths: Int32Array,
  width: number,
  task: { pooling: 'mean' | 'cls'; normalize: boolean },
): Float32Array {
  const rows = lengths.length;
  if (dims.length !== 3 || dims[0] !== rows || dims[1] !== width) {
    throw new GraphShapeError(
      `expected token embeddings of shape [${rows}, ${width}, hidden], got [${dims.join(', ')}]`,
    );
  }
  const hidden = Number(dims[2]);
  const out = new Float32Array(rows * hidden);
  for (let row = 0; row < rows; row++) {
    const target = out.subarray(row * hidden, (row + 1) * hidden);
    const tokens = task.pooling === 'cls' ? 1 : lengths[row]!;
    for (let token = 0; token < tokens; token++) {
      const base = (row * width + token) * hidden;
      for (let unit = 0; unit < hidden; unit++) target[unit]! += data[base + unit]!;
    }
    let norm = 0;
    for (let unit = 0; unit < hidden; unit++) {
      target[unit]! /= tokens;
      norm += target[unit]! * target[unit]!;
    }
    if (task.normalize && norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let unit = 0; unit < hidden; unit++) target[unit]! *= scale;
    }
  }
  return out;
}
