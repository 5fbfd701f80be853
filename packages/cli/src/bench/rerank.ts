/**
 * `sieve bench rerank`: the study that started Sieve, redone. Every strategy scores the same pairs
 * in one run, each in a fresh process (clean memory high-water mark, no shared warm-up), with the
 * peers on the same model files and thread count.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { formatInferenceTimings, formatTable, InvalidArgumentError } from '@sieve/core';
import { dtypeFiles } from '@sieve/onnx';
import { rerankChart } from '../charts/rerank-chart.js';
import type { Roofline } from '../results/gemm-result.js';
import type {
  RerankBenchResult,
  RerankRow,
  RerankWorkloadName,
} from '../results/rerank-bench-result.js';
import type { RerankStrategy } from '../results/rerank-strategy.js';
import { runStamp, saveResult, saveResultFile } from '../results/save-result.js';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { isGeneratedModel } from '../support/generated-model.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { operationsPerPair, shapeOf } from './flops.js';
import { machineRoofline } from './gemm.js';
import { formatLengthHistogram } from './passages.js';
import { findPythonPeers, peerName, runPythonPeer } from './python-peer.js';
import { rerankStrategies } from './rerank-strategies.js';
import { importTransformersJs, runStrategyInProcess } from './run-strategy.js';
import { canRunInChild, runInChild } from './strategy-child.js';
import { formatTokenizerMeasurement, measureTokenizer } from './tokenize.js';
import {
  beirWorkload,
  fixedLengthWorkload,
  pairCount,
  passageWorkload,
  type RerankWorkload,
  sweepLengths,
  workloadPairLengths,
} from './workload.js';

/**
 * The size of each workload: the study's 10 x 30, 100 x 100 SciFact test pairs, 100 queries x 30
 * BM25 passages (~96 tokens per pair), and the length sweep (pairs of exactly 64 to 512 tokens,
 * about the same compute per workload).
 */
export const rerankWorkloads = {
  study: { queries: 10, candidates: 30, description: "the study's 10 queries x 30 BM25 abstracts" },
  scifact: { queries: 100, candidates: 100, description: '100 queries x 100 BM25 abstracts' },
  passages: {
    queries: 100,
    candidates: 30,
    description: '100 queries x 30 BM25 passages of 2-3 sentences',
  },
  ...Object.fromEntries(
    sweepLengths.map((tokens) => [
      `len${tokens}`,
      {
        queries: Math.ceil(76_800 / tokens / 30),
        candidates: 30,
        tokens,
        pairs: 76_800 / tokens,
        description: `${76_800 / tokens} pairs of ${tokens} tokens`,
      },
    ]),
  ),
} as Record<
  RerankWorkloadName,
  { queries: number; candidates: number; description: string; tokens?: number; pairs?: number }
>;

/** The workloads `--workload sweep` runs. */
export const sweepWorkloads = sweepLengths.map((tokens) => `len${tokens}` as RerankWorkloadName);

/** Options of {@link benchRerank}. */
export interface RerankBenchOptions {
  /** Workloads by name: `study`, `scifact`, `passages`, `len64` ... `len512`. */
  workloads: RerankWorkloadName[];
  /** Strategy ids to run (all when undefined), e.g. `row-wise`, `sieve-int8`. */
  strategies?: string[];
  /** Measured passes per strategy, after a warm-up; the median is reported. */
  repeats: number;
  /** Model folder name under the models folder. @default 'ms-marco-MiniLM-L-6-v2' */
  model?: string;
  /**
   * Several model folder names, measured in turn on each workload (e.g. the prefilter and the
   * reranker side by side); overrides `model`.
   */
  models?: string[];
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
  const modelNames = options.models ?? [options.model ?? 'ms-marco-MiniLM-L-6-v2'];
  const modelFolders = modelNames.map((name) => join(context.modelsDir, name));
  requirePaths(
    {
      ...Object.fromEntries(
        modelFolders.map((folder, index) => [index === 0 ? 'model' : `model ${index + 1}`, folder]),
      ),
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
  context.print(
    `rerank strategies on ${machineLine(machine)}; model${modelFolders.length > 1 ? 's' : ''} ${modelFolders.join(', ')}`,
  );
  if (modelFolders.some(isGeneratedModel)) {
    context.print(
      '(architecture-exact models with random weights: speeds are real, scores are not)',
    );
  }
  const peers = new Map(
    await Promise.all(
      modelFolders.map(
        async (folder) =>
          [folder, await checkPeers(context, strategies, folder, options.python)] as const,
      ),
    ),
  );

  const stamp = runStamp();
  const charts: Record<string, string> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'sieve-bench-'));
  const rows: RerankRow[] = [];
  const workloadInfo: RerankBenchResult['workloads'] = [];
  try {
    for (const name of options.workloads) {
      const size = rerankWorkloads[name];
      const workload =
        options.workloadData?.[name] ?? (await buildWorkload(context, name, modelFolders[0]!));
      const workloadFile = join(scratch, `${name}.json`);
      writeFileSync(workloadFile, JSON.stringify(workload));
      const pairs = pairCount(workload);
      context.print(
        `\nworkload ${name}: ${workload.length} queries, ${pairs} pairs (${size.description}); ${options.repeats} measured pass(es) per strategy, median reported`,
      );
      context.print(formatLengthHistogram(await workloadPairLengths(workload, modelFolders[0]!)));
      context.print(formatTokenizerMeasurement(await measureTokenizer(workload, modelFolders[0]!)));
      const byModel: RerankRow[][] = [];
      for (const modelFolder of modelFolders) {
        if (modelFolders.length > 1) context.print(`\nmodel ${modelFolder}`);
        const { rows: modelRows, meanTokens } = await runStrategies(context, {
          strategies,
          peers: peers.get(modelFolder)!,
          workload: { name, data: workload, file: workloadFile, candidates: size.candidates },
          modelFolder,
          repeats: options.repeats,
          isolate,
          roofline,
          cores,
        });
        byModel.push(modelRows);
        const info = { name, queries: workload.length, pairs, meanTokens: meanTokens ?? null };
        if (!workloadInfo.some((item) => item.name === name)) workloadInfo.push(info);
        rows.push(...modelRows);
        context.print(`\n${formatRerankTable(modelRows)}`);
        for (const line of formatBreakdowns(modelRows)) context.print(line);
        const chartName = modelFolders.length > 1 ? `${name}-${basename(modelFolder)}` : name;
        charts[chartName] = saveResultFile(
          context,
          stamp,
          rerankChart(
            { machine, model: modelFolder, workloads: [info], rows: modelRows },
            name,
            options.repeats,
            modelFolders.length > 1 ? modelFolder : undefined,
          ),
        );
        context.print(`chart: ${charts[chartName]}`);
      }
      for (const line of formatModelRatios(modelFolders, byModel)) context.print(line);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const sweep = formatSweepTable(rows);
  if (sweep) context.print(`\nlength sweep: pairs/s and fraction of the GEMM roofline\n${sweep}`);
  const result: RerankBenchResult = {
    benchmark: 'rerank',
    machine,
    roofline: roofline ?? null,
    model: modelFolders[0]!,
    models: modelFolders,
    workloads: workloadInfo,
    rows,
    charts,
  };
  saveResult(context, 'rerank', result, stamp);
  return result;
}

/** Builds a named workload from the dataset, with `modelFolder`'s tokenizer where lengths matter. */
function buildWorkload(
  context: CliContext,
  name: RerankWorkloadName,
  modelFolder: string,
): Promise<RerankWorkload[]> {
  const size = rerankWorkloads[name];
  if (name === 'passages') {
    return passageWorkload(context.datasetDir, modelFolder, size.queries, size.candidates);
  }
  if (size.tokens !== undefined && size.pairs !== undefined) {
    return fixedLengthWorkload(context.datasetDir, modelFolder, size.tokens, size.pairs);
  }
  return beirWorkload(context.datasetDir, size.queries, size.candidates);
}

/** Why each peer cannot run on `modelFolder` (absent when it can), and the Pythons found. */
interface PeerCheck {
  problems: Map<string, string>;
  pythons: ReturnType<typeof findPythonPeers>;
}

/**
 * Why a Sieve strategy cannot run on `modelFolder`: the static int8 file is written by the
 * conversion, not shipped by the hub's ports. Looked for where the model loader looks (`onnx/`,
 * then the folder itself). Undefined when it can run.
 */
function missingModelFile(strategy: RerankStrategy, modelFolder: string): string | undefined {
  if (strategy.runtime !== 'sieve' || strategy.dtype !== 'int8-static') return undefined;
  const name = dtypeFiles['int8-static'];
  const file = join(modelFolder, 'onnx', name);
  return existsSync(file) || existsSync(join(modelFolder, name))
    ? undefined
    : `${file} is missing: \`npm run models -- convert\` writes it (or tools/quantize_static.py for a converted folder)`;
}

/** Checks the peers once per model; a missing one is skipped with the reason. */
async function checkPeers(
  context: CliContext,
  strategies: readonly RerankStrategy[],
  modelFolder: string,
  python: string | undefined,
): Promise<PeerCheck> {
  const problems = new Map<string, string>();
  if (strategies.some((item) => item.runtime === 'transformers.js')) {
    await importTransformersJs().catch((error: Error) =>
      problems.set('transformers.js', error.message),
    );
    if (!existsSync(join(modelFolder, 'tokenizer.json'))) {
      problems.set(
        'transformers.js',
        `Transformers.js needs tokenizer.json, which ${modelFolder} lacks`,
      );
    }
  }
  // sentence-transformers on PyTorch and on ONNX: a Python each (one probe covers both), or why not.
  const pythons = findPythonPeers(strategies, context.root, modelFolder, python);
  for (const [peer, found] of pythons) if ('reason' in found) problems.set(peer, found.reason);
  for (const [peer, reason] of problems) {
    context.warn(`[sieve] skipping ${peer}: ${reason}`);
  }
  return { problems, pythons };
}

/** Runs every strategy on one workload and model; rows in strategy order. */
async function runStrategies(
  context: CliContext,
  job: {
    strategies: readonly RerankStrategy[];
    peers: PeerCheck;
    workload: {
      name: RerankWorkloadName;
      data: RerankWorkload[];
      file: string;
      candidates: number;
    };
    modelFolder: string;
    repeats: number;
    isolate: boolean;
    roofline: Roofline | undefined;
    cores: number;
  },
): Promise<{ rows: RerankRow[]; meanTokens: number | undefined }> {
  const { strategies, peers, workload, modelFolder, repeats, roofline, cores } = job;
  const shape = shapeOf(basename(modelFolder));
  const pairs = pairCount(workload.data);
  const progress = context.progress(`bench rerank ${workload.name}`, strategies.length);
  let baseline: StrategyMeasurement | undefined;
  let usefulOperations: number | undefined;
  let meanTokens: number | undefined;
  const rows: RerankRow[] = [];
  for (const strategy of strategies) {
    const row: RerankRow = {
      workload: workload.name,
      model: basename(modelFolder),
      strategy,
      status: 'ok',
    };
    const problem =
      peers.problems.get(peerName(strategy)) ?? missingModelFile(strategy, modelFolder);
    if (problem) {
      row.status = 'skipped';
      row.reason = problem;
    } else {
      try {
        const measurement =
          strategy.runtime === 'sentence-transformers'
            ? await runPythonPeer({
                python: (peers.pythons.get(peerName(strategy)) as { python: string }).python,
                workloadFile: workload.file,
                modelFolder,
                batchSize:
                  strategy.batchSize === 'query' ? workload.candidates : strategy.batchSize,
                threads: strategy.threads,
                repeats,
                backend: strategy.backend,
                dtype: strategy.dtype,
              })
            : job.isolate
              ? await runInChild(strategy, workload.file, modelFolder, repeats)
              : await runStrategyInProcess(
                  strategy,
                  workload.data,
                  { folder: modelFolder },
                  repeats,
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
          // Both int8 files run int8 GEMMs: one int8 roofline.
          const gemm = strategy.dtype === 'fp32' ? 'fp32' : 'int8';
          const attainable = roofline?.[`${gemm}/${cores}`];
          if (attainable) row.fractionOfRoofline = row.gops / attainable;
        }
      } catch (error) {
        row.status = 'failed';
        row.reason = (error as Error).message;
      }
    }
    rows.push(row);
    progress.tick();
    context.print(rowLine(row));
  }
  progress.done();
  return { rows, meanTokens };
}

/**
 * The length sweep as one table: a line per model and strategy, pairs/s and fraction of the
 * roofline per length; undefined unless two or more sweep workloads ran.
 */
export function formatSweepTable(rows: readonly RerankRow[]): string | undefined {
  const lengths = sweepWorkloads.filter((name) => rows.some((row) => row.workload === name));
  if (lengths.length < 2) return undefined;
  const keys = [
    ...new Set(
      rows
        .filter((row) => lengths.includes(row.workload) && row.status === 'ok')
        .map((row) => `${row.model ?? ''}\u0000${row.strategy.id}`),
    ),
  ];
  return formatTable(
    ['model', 'strategy', ...lengths.map((name) => `${name.slice(3)} tokens`)],
    keys.map((key) => {
      const [model, strategy] = key.split('\u0000') as [string, string];
      return [
        model,
        strategy,
        ...lengths.map((name) => {
          const row = rows.find(
            (item) =>
              item.workload === name &&
              (item.model ?? '') === model &&
              item.strategy.id === strategy &&
              item.status === 'ok',
          );
          if (!row) return '-';
          const fraction =
            row.fractionOfRoofline === undefined
              ? ''
              : ` (${(row.fractionOfRoofline * 100).toFixed(0)}%)`;
          return `${row.pairsPerSecond!.toFixed(1)}${fraction}`;
        }),
      ];
    }),
  );
}

/** Per Sieve row that measured it: where the median pass's time went, per batch. */
export function formatBreakdowns(rows: readonly RerankRow[]): string[] {
  return rows.flatMap((row) =>
    row.measurement?.timings
      ? [`  ${row.strategy.id}: ${formatInferenceTimings(row.measurement.timings)}`]
      : [],
  );
}

/**
 * With several models on one workload: each model's best pairs/s over the first model's best (a
 * prefilter against its reranker, measured side by side).
 */
export function formatModelRatios(
  modelFolders: readonly string[],
  byModel: readonly (readonly RerankRow[])[],
): string[] {
  if (modelFolders.length < 2) return [];
  const best = (rows: readonly RerankRow[]) =>
    rows
      .filter((row) => row.status === 'ok' && row.strategy.runtime === 'sieve')
      .sort((a, b) => b.pairsPerSecond! - a.pairsPerSecond!)[0];
  const reference = best(byModel[0]!);
  if (!reference) return [];
  return modelFolders.slice(1).flatMap((folder, index) => {
    const other = best(byModel[index + 1]!);
    if (!other) return [];
    return [
      `${basename(folder)} (${other.strategy.id}, ${other.pairsPerSecond!.toFixed(0)} pairs/s) = ${(other.pairsPerSecond! / reference.pairsPerSecond!).toFixed(1)}x ${basename(modelFolders[0]!)} (${reference.strategy.id}, ${reference.pairsPerSecond!.toFixed(0)} pairs/s), Sieve's best of each`,
    ];
  });
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
