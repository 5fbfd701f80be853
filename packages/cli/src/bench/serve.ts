/**
 * `sieve bench serve`: the reranker behind `@sieve/server` (as `sieve serve` builds it), loaded by
 * TEI-shaped `/rerank` requests of SciFact queries with their BM25 documents, from a load
 * generator in another process; each cell with cross-request batching on and off, beside what the
 * same reranker scores in process (`scorePairs`, one body after another).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createServer } from '@sieve/server';
import { saveResult } from '../results/save-result.js';
import type {
  LoadMeasurement,
  ServeBenchResult,
  ServeCell,
  ServeLibraryRow,
} from '../results/serve-bench-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { isGeneratedModel } from '../support/generated-model.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { chooseModels } from '../support/model-choice.js';
import { childExitError } from './child-exit-error.js';
import type { LoadJob } from './serve-load-child.js';
import { beirWorkload, passageWorkload, type RerankWorkload } from './workload.js';

/** Options of {@link benchServe} (the flags of `sieve bench serve`). */
export interface ServeBenchOptions {
  /** The reranker's folder (`--model`). @default '<models>/ms-marco-MiniLM-L-6-v2' */
  model?: string;
  /** @default 'int8' */
  dtype?: Dtype;
  /** Seconds of load per cell, and of the in-process figure. @default 10 */
  durationSeconds?: number;
  /** Concurrent connections of the load generator, one cell each. @default [1, 8, 64] */
  connections?: readonly number[];
  /** Texts per request (the query's BM25 top-N). @default [30, 100] */
  documents?: readonly number[];
  /** Distinct SciFact test queries the bodies cycle through. @default 100 */
  queries?: number;
  /**
   * `documents`: SciFact abstracts (title + text, ~375 tokens a pair); `passages`: the abstracts
   * cut into passages of up to 3 sentences (~96 tokens a pair, as `sieve bench rerank`).
   * @default 'documents'
   */
  workload?: 'documents' | 'passages';
  /** What the result says was run. @default `sieve` and this process's arguments */
  command?: string;
}

// Bundled, this module is dist/cli.js and the child dist/serve-load-child.js; from the sources
// (tests) the child is the TypeScript file, run through tsx.
const builtChild = fileURLToPath(new URL('./serve-load-child.js', import.meta.url));
const sourceChild = fileURLToPath(new URL('./serve-load-child.ts', import.meta.url));

/** Runs the load generator in its own process and waits for its measurement. */
async function loadInChild(job: LoadJob): Promise<LoadMeasurement> {
  const built = existsSync(builtChild);
  const child = fork(built ? builtChild : sourceChild, [], {
    execArgv: built ? [] : ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let reply: { measurement?: LoadMeasurement; error?: string } = {};
  child.on('message', (message: typeof reply) => {
    reply = message;
  });
  child.send(job);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (reply.error) throw new Error(`[bench serve] load generator: ${reply.error}`);
  if (!reply.measurement) throw childExitError('load generator', code, stderr);
  return reply.measurement;
}

/** The TEI bodies of one docs size: each query with its first `documents` BM25 texts. */
function requestBodies(workload: readonly RerankWorkload[], documents: number): string[] {
  return workload.map(({ query, documents: candidates }) =>
    JSON.stringify({
      query,
      texts: candidates.slice(0, documents).map((candidate) => candidate.text),
      truncate: true,
    }),
  );
}

/** Pairs per second of `reranker.scorePairs` over the bodies, one after another, for `seconds`. */
async function libraryPairsPerSecond(
  reranker: CrossEncoder,
  workload: readonly RerankWorkload[],
  documents: number,
  seconds: number,
): Promise<number> {
  const calls = workload.map(({ query, documents: candidates }) =>
    candidates.slice(0, documents).map((candidate) => ({ query, text: candidate.text })),
  );
  let pairs = 0;
  const started = performance.now();
  for (let call = 0; performance.now() - started < seconds * 1000; call++) {
    const batch = calls[call % calls.length]!;
    await reranker.scorePairs({ pairs: batch });
    pairs += batch.length;
  }
  return pairs / ((performance.now() - started) / 1000);
}

/** One cell: a fresh server on the loaded reranker, the load from a child, RSS around it. */
async function measureCell(
  reranker: CrossEncoder,
  cell: { documents: number; connections: number; crossRequest: boolean; seconds: number },
  bodiesFile: string,
): Promise<ServeCell> {
  const server = createServer({ reranker, batching: { crossRequest: cell.crossRequest } });
  const { url } = await server.listen({ port: 0 });
  try {
    await server.ready();
    const rssStartBytes = process.memoryUsage.rss();
    const load = await loadInChild({
      url,
      connections: cell.connections,
      seconds: cell.seconds,
      bodiesFile,
    });
    const rssEndBytes = process.memoryUsage.rss();
    const requestsPerSecond = load.responses / load.seconds;
    return {
      documents: cell.documents,
      connections: cell.connections,
      crossRequest: cell.crossRequest,
      requestsPerSecond,
      pairsPerSecond: requestsPerSecond * cell.documents,
      load,
      rssStartBytes,
      rssEndBytes,
    };
  } finally {
    await server.close();
  }
}

const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/** The serve table: one row a cell. */
export function formatServeTable(cells: readonly ServeCell[]): string {
  return formatTable(
    [
      'docs',
      'conns',
      'batching',
      'req/s',
      'pairs/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'RSS MB',
    ],
    cells.map((cell) => [
      String(cell.documents),
      String(cell.connections),
      cell.crossRequest ? 'on' : 'off',
      cell.requestsPerSecond.toFixed(1),
      cell.pairsPerSecond.toFixed(0),
      cell.load.latencyMs.p50.toFixed(0),
      cell.load.latencyMs.p95.toFixed(0),
      cell.load.latencyMs.p99.toFixed(0),
      String(cell.load.errors + cell.load.non2xx),
      `${megabytes(cell.rssStartBytes)}->${megabytes(cell.rssEndBytes)}`,
    ]),
  );
}

/**
 * `sieve bench serve`: loads the reranker once (createCrossEncoder defaults), then for each docs
 * size, connections and batching mode starts a server, loads it from a child process for the
 * duration, and records req/s, pairs/s, latency, errors and RSS; then the in-process `scorePairs`
 * rate on the same bodies. Prints the table and the server/library ratios, saves the result.
 *
 * @example
 * ```ts
 * const result = await benchServe(createCliContext({}), { durationSeconds: 10 });
 * ```
 */
export async function benchServe(
  context: CliContext,
  options: ServeBenchOptions = {},
): Promise<ServeBenchResult> {
  const name = 'ms-marco-MiniLM-L-6-v2';
  const { reranker: model } = chooseModels(
    context,
    {
      reranker: {
        flag: 'model',
        value: options.model,
        name,
        hubId: `Xenova/${name}`,
        needed: true,
      },
    },
    { preferLocal: true },
  );
  requirePaths(
    {
      dataset: context.datasetDir,
      ...(options.model ? {} : { [name]: join(context.modelsDir, name) }),
    },
    benchInputsHint,
  );
  const dtype = options.dtype ?? 'int8';
  const seconds = options.durationSeconds ?? 10;
  const connectionCounts = options.connections ?? [1, 8, 64];
  const documentCounts = options.documents ?? [30, 100];
  const machine = describeMachine();
  const workloadName = options.workload ?? 'documents';
  const workload =
    workloadName === 'passages'
      ? await passageWorkload(
          context.datasetDir,
          model!,
          options.queries ?? 100,
          Math.max(...documentCounts),
        )
      : await beirWorkload(context.datasetDir, options.queries ?? 100, Math.max(...documentCounts));
  const reranker = await createCrossEncoder({ model: model!, dtype, stageId: 'reranker' });
  const randomWeights = isGeneratedModel(model!);
  context.print(
    `serve on ${machineLine(machine)}; ${model} (${dtype}, ${reranker.execution.workers} workers x ${reranker.execution.intraOpThreads} threads); ${workload.length} queries x ${workloadName}, ${seconds} s a cell`,
  );
  if (randomWeights) {
    context.print(
      '(architecture-exact model with random weights: speeds are real, scores are not)',
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), 'sieve-bench-serve-'));
  const cells: ServeCell[] = [];
  const library: ServeLibraryRow[] = [];
  try {
    for (const documents of documentCounts) {
      const bodiesFile = join(scratch, `bodies-${documents}.json`);
      writeFileSync(bodiesFile, JSON.stringify(requestBodies(workload, documents)));
      for (const connections of connectionCounts) {
        for (const crossRequest of [true, false]) {
          const cell = await measureCell(
            reranker,
            { documents, connections, crossRequest, seconds },
            bodiesFile,
          );
          context.print(
            `${documents} docs, ${connections} connections, batching ${crossRequest ? 'on' : 'off'}: ${cell.requestsPerSecond.toFixed(1)} req/s, ${cell.pairsPerSecond.toFixed(0)} pairs/s, p99 ${cell.load.latencyMs.p99.toFixed(0)} ms, ${cell.load.errors + cell.load.non2xx} errors`,
          );
          cells.push(cell);
        }
      }
      const pairsPerSecond = await libraryPairsPerSecond(reranker, workload, documents, seconds);
      const best = Math.max(
        ...cells.filter((cell) => cell.documents === documents).map((cell) => cell.pairsPerSecond),
      );
      library.push({ documents, pairsPerSecond, serverBestRatio: best / pairsPerSecond });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await reranker.dispose();
  }
  context.print();
  context.print(formatServeTable(cells));
  context.print();
  for (const row of library) {
    const best = row.serverBestRatio * row.pairsPerSecond;
    context.print(
      `${row.documents} docs: library scorePairs ${row.pairsPerSecond.toFixed(0)} pairs/s, server best ${best.toFixed(0)} pairs/s = ${row.serverBestRatio.toFixed(2)}x`,
    );
  }
  const result: ServeBenchResult = {
    benchmark: 'serve',
    command: options.command ?? ['sieve', ...process.argv.slice(2)].join(' '),
    date: new Date().toISOString(),
    machine,
    model: model!,
    dtype,
    modelsAreRandomWeights: randomWeights,
    execution: reranker.execution,
    queries: workload.length,
    workload: workloadName,
    durationSeconds: seconds,
    cells,
    library,
  };
  saveResult(context, 'serve', result);
  return result;
}
