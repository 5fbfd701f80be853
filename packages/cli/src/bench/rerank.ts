/**
 * `sieve bench rerank`: the study that started Sieve, redone. Every strategy scores the same pairs
 * in one run, each in a fresh process (clean memory high-water mark, no shared warm-up), with the
 * peers on the same model files and thread count.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, InvalidArgumentError } from '@sieve/core';
import { rerankChart } from '../charts/rerank-chart.js';
import type {
  RerankBenchResult,
  RerankRow,
  RerankWorkloadName,
} from '../results/rerank-bench-result.js';
import { runStamp, saveResult, saveResultFile } from '../results/save-result.js';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { isGeneratedModel } from '../support/generated-model.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { operationsPerPair, shapeOf } from './flops.js';
import { machineRoofline } from './gemm.js';
import { findPythonPeers, peerName, runPythonPeer } from './python-peer.js';
import { rerankStrategies } from './rerank-strategies.js';
import { importTransformersJs, runStrategyInProcess } from './run-strategy.js';
import { canRunInChild, runInChild } from './strategy-child.js';
import { beirWorkload, pairCount, type RerankWorkload } from './workload.js';

/** The size of each workload: the study's 10 x 30, and 100 x 100 SciFact test pairs. */
export const rerankWorkloads = {
  study: { queries: 10, candidates: 30 },
  scifact: { queries: 100, candidates: 100 },
} as const satisfies Record<RerankWorkloadName, { queries: number; candidates: number }>;

/** Options of {@link benchRerank}. */
export interface RerankBenchOptions {
  /** `study` (10 queries x 30 BM25 candidates) and/or `scifact` (100 x 100). */
  workloads: RerankWorkloadName[];
  /** Strategy ids to run (all when undefined), e.g. `row-wise`, `sieve-int8`. */
  strategies?: string[];
  /** Measured passes per strategy, after a warm-up; the median is reported. */
  repeats: number;
  /** Model folder name under the models folder. @default 'ms-marco-MiniLM-L-6-v2' */
  model?: string;
  /** Python for the sentence-transformers peer. */
  python?: string;
  /** Run each strategy in its own process. @default true when the built CLI is present */
  isolate?: boolean;
  /** Workloads built elsewhere, by name (queries with their candidates); skips the dataset. */
  workloadData?: Partial<Record<RerankWorkloadName, RerankWorkload[]>>;
}

/**
 * `sieve bench rerank`: runs every strategy (the study's, int8, length bucketing, Sieve's
 * defaults, Transformers.js and sentence-transformers peers) on the same pairs of each workload,
 * then prints, saves (JSON and one bar chart per workload) and returns the table. A peer that
 * cannot run is skipped with the reason; a strategy that fails is marked failed.
 *
 * @example
 * ```ts
 * const result = await benchRerank(createCliContext({ models: './models' }), {
 *   workloads: ['study'],
 *   strategies: ['row-wise', 'sieve-int8'],
 *   repeats: 3,
 * });
 * ```
 */
export async function benchRerank(
  context: CliContext,
  options: RerankBenchOptions,
): Promise<RerankBenchResult> {
  const modelName = options.model ?? 'ms-marco-MiniLM-L-6-v2';
  const modelFolder = join(context.modelsDir, modelName);
  requirePaths(
    {
      model: modelFolder,
      ...(options.workloadData ? {} : { dataset: context.datasetDir }),
    },
    benchInputsHint,
  );
  const cores = availableParallelism();
  const all = rerankStrategies(cores);
  const unknown = (options.strategies ?? []).filter((id) => !all.some((item) => item.id === id));
  if (unknown.length > 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'strategies',
      message: `unknown strategies ${unknown.join(', ')}; known: ${all.map((item) => item.id).join(', ')}`,
    });
  }
  const strategies = options.strategies
    ? all.filter((item) => options.strategies!.includes(item.id))
    : all;
  const isolate = options.isolate ?? canRunInChild();
  const machine = describeMachine();
  const roofline = await machineRoofline(context);
  const shape = shapeOf(modelName);
  context.print(`rerank strategies on ${machineLine(machine)}; model ${modelFolder}`);
  if (isGeneratedModel(modelFolder)) {
    context.print(
      '(architecture-exact model with random weights: speeds are real, scores are not)',
    );
  }

  // Peers are checked once; a missing one is skipped with the reason.
  const peerProblems = new Map<string, string>();
  if (strategies.some((item) => item.runtime === 'transformers.js')) {
    await importTransformersJs().catch((error: Error) =>
      peerProblems.set('transformers.js', error.message),
    );
    if (!existsSync(join(modelFolder, 'tokenizer.json'))) {
      peerProblems.set(
        'transformers.js',
        `Transformers.js needs tokenizer.json, which ${modelFolder} lacks`,
      );
    }
  }
  // sentence-transformers on PyTorch and on ONNX: a Python each (one probe covers both), or why not.
  const pythons = findPythonPeers(strategies, context.root, modelFolder, options.python);
  for (const [peer, found] of pythons) if ('reason' in found) peerProblems.set(peer, found.reason);
  for (const [peer, reason] of peerProblems) context.warn(`[sieve] skipping ${peer}: ${reason}`);

  const stamp = runStamp();
  const charts: Record<string, string> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'sieve-bench-'));
  const rows: RerankRow[] = [];
  const workloadInfo: RerankBenchResult['workloads'] = [];
  try {
    for (const name of options.workloads) {
      const size = rerankWorkloads[name];
      const workload =
        options.workloadData?.[name] ??
        (await beirWorkload(context.datasetDir, size.queries, size.candidates));
      const workloadFile = join(scratch, `${name}.json`);
      writeFileSync(workloadFile, JSON.stringify(workload));
      const pairs = pairCount(workload);
      context.print(
        `\nworkload ${name}: ${workload.length} queries x ${size.candidates} BM25 candidates = ${pairs} pairs; ${options.repeats} measured pass(es) per strategy, median reported`,
      );
      const progress = context.progress(`bench rerank ${name}`, strategies.length);
      let baseline: StrategyMeasurement | undefined;
      let usefulOperations: number | undefined;
      let meanTokens: number | undefined;
      const workloadRows: RerankRow[] = [];
      for (const strategy of strategies) {
        const row: RerankRow = { workload: name, strategy, status: 'ok' };
        const problem = peerProblems.get(peerName(strategy));
        if (problem) {
          row.status = 'skipped';
          row.reason = problem;
        } else {
          try {
            const measurement =
              strategy.runtime === 'sentence-transformers'
                ? await runPythonPeer({
                    python: (pythons.get(peerName(strategy)) as { python: string }).python,
                    workloadFile,
                    modelFolder,
                    batchSize:
                      strategy.batchSize === 'query' ? size.candidates : strategy.batchSize,
                    threads: strategy.threads,
                    repeats: options.repeats,
                    backend: strategy.backend,
                    dtype: strategy.dtype,
                  })
                : isolate
                  ? await runInChild(strategy, workloadFile, modelFolder, options.repeats)
                  : await runStrategyInProcess(
                      strategy,
                      workload,
                      { folder: modelFolder },
                      options.repeats,
                    );
            if (measurement.scores.length !== pairs) {
              throw new Error(`returned ${measurement.scores.length} scores for ${pairs} pairs`);
            }
            if (strategy.id === 'row-wise') baseline = measurement;
            if (meanTokens === undefined && measurement.tokenCounts.length === pairs) {
              meanTokens = measurement.tokenCounts.reduce((a, b) => a + b, 0) / pairs;
              if (shape) {
                usefulOperations = measurement.tokenCounts.reduce(
                  (sum, tokens) => sum + operationsPerPair(shape, tokens),
                  0,
                );
              }
            }
            const { scores, tokenCounts: _tokens, ...summary } = measurement;
            row.measurement = summary;
            row.pairsPerSecond = pairs / measurement.seconds;
            if (baseline) {
              row.speedupOverRowWise = baseline.seconds / measurement.seconds;
              row.maxAbsDiffFromRowWise = Math.max(
                ...scores.map((score, index) => Math.abs(score - baseline!.scores[index]!)),
              );
            }
            if (usefulOperations !== undefined) {
              row.gops = usefulOperations / measurement.seconds / 1e9;
              const attainable = roofline?.[`${strategy.dtype}/${cores}`];
              if (attainable) row.fractionOfRoofline = row.gops / attainable;
            }
          } catch (error) {
            row.status = 'failed';
            row.reason = (error as Error).message;
          }
        }
        workloadRows.push(row);
        progress.tick();
        context.print(rowLine(row));
      }
      progress.done();
      const info = { name, queries: workload.length, pairs, meanTokens: meanTokens ?? null };
      workloadInfo.push(info);
      rows.push(...workloadRows);
      context.print(`\n${formatRerankTable(workloadRows)}`);
      charts[name] = saveResultFile(
        context,
        stamp,
        rerankChart(
          { machine, model: modelFolder, workloads: [info], rows: workloadRows },
          name,
          options.repeats,
        ),
      );
      context.print(`chart: ${charts[name]}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const result: RerankBenchResult = {
    benchmark: 'rerank',
    machine,
    roofline: roofline ?? null,
    model: modelFolder,
    workloads: workloadInfo,
    rows,
    charts,
  };
  saveResult(context, 'rerank', result, stamp);
  return result;
}

function rowLine(row: RerankRow): string {
  if (row.status !== 'ok') return `  ${row.strategy.id}: ${row.status} (${row.reason})`;
  return `  ${row.strategy.id}: ${row.measurement!.seconds.toFixed(2)} s, ${row.pairsPerSecond!.toFixed(1)} pairs/s`;
}

/** The result table: one line per strategy. */
export function formatRerankTable(rows: readonly RerankRow[]): string {
  const number = (value: number | null | undefined, digits: number): string =>
    value === undefined || value === null ? '-' : value.toFixed(digits);
  return formatTable(
    [
      'strategy',
      'time s',
      'speedup',
      'pairs/s',
      'cpu avg%',
      'cpu peak%',
      'cores busy',
      'peak RSS MiB',
      'loop p99 ms',
      'GOP/s',
      'roofline',
      'max |d|',
    ],
    rows.map((row) => {
      if (row.status !== 'ok') return [row.strategy.id, row.status];
      const measurement = row.measurement!;
      return [
        row.strategy.id,
        number(measurement.seconds, 2),
        row.speedupOverRowWise === undefined ? '-' : `${row.speedupOverRowWise.toFixed(2)}x`,
        number(row.pairsPerSecond, 1),
        number(measurement.cpuAveragePercent, 0),
        number(measurement.cpuPeakPercent, 0),
        number(measurement.coresBusy, 2),
        number(measurement.peakRssBytes / 2 ** 20, 0),
        number(measurement.loopLagP99Ms, 1),
        number(row.gops, 0),
        row.fractionOfRoofline === undefined
          ? '-'
          : `${(row.fractionOfRoofline * 100).toFixed(0)}%`,
        row.maxAbsDiffFromRowWise === undefined ? '-' : row.maxAbsDiffFromRowWise.toExponential(1),
      ];
    }),
  );
}
