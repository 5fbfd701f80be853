import { formatCascadeStats, formatPrometheus } from '@sieve/cascade';
import { formatTable, InvalidArgumentError, InvalidConfigError, ModelLoadError } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import { createBm25Retriever, loadBeirDataset } from '@sieve/retrieval';
import { machineRoofline } from '../bench/gemm.js';
import { evaluationCharts } from '../charts/evaluation-charts.js';
import { paretoFrontier } from '../charts/frontier.js';
import {
  type EvaluationResult,
  randomWeightsNote,
  type ShapeEvaluation,
} from '../results/evaluation-result.js';
import { runStamp, saveResult, saveResultFile, saveResultFiles } from '../results/save-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { parseCascadeShape } from './cascade-shape.js';
import {
  type EvaluationModels,
  evaluateShape,
  evaluationModels,
  scorerStageIds,
} from './evaluate-cascade.js';

/** Options of {@link runEvaluation}. */
export interface EvaluationOptions {
  /**
   * `eval` (one or a few shapes, all queries) or `cascade` (a sweep, with the frontier chart and
   * page); also the name of the saved files.
   */
  name: 'eval' | 'cascade';
  /** Cascade shapes, as {@link parseCascadeShape} reads them. */
  shapes: string[];
  /** The BEIR split (`qrels/<split>.tsv`), e.g. `test`. */
  split: string;
  /** First N judged queries; all when undefined. */
  queries?: number;
  /**
   * The prefilter (`tiny=K`), as `--prefilter` takes it: a model folder (relative to where the
   * command was typed) or a hub id. @default `<models>/ms-marco-TinyBERT-L-2-v2`, else the hub's
   */
  prefilter?: string;
  /**
   * The reranker (`minilm=T`), as `--reranker` takes it: a model folder or a hub id.
   * @default `<models>/ms-marco-MiniLM-L-6-v2`, else the hub's
   */
  reranker?: string;
  /** @default 'fp32' */
  prefilterDtype?: Dtype;
  /** @default 'int8' */
  rerankerDtype?: Dtype;
  /**
   * The prefilter's longest pair in tokens (`--prefilter-max-length`): with the reranker's model
   * as the prefilter, a short cut makes it a cheap first pass. @default the model's own limit
   */
  prefilterMaxLength?: number;
  /** Also save the Prometheus exposition of each shape's stats. @default false */
  prometheus?: boolean;
}

/**
 * Evaluates cascade shapes on a BEIR dataset (`sieve eval`, `sieve bench cascade`): quality
 * (nDCG@10, MRR@10, Recall@10, retrieval recall) and cost (per-stage p50/p95 latency, pairs per
 * query), the quality-vs-latency frontier, and, for sweeps, an SVG chart and an HTML page. Prints
 * a summary, saves the result as JSON under `context.resultsDir` and returns it. Shapes whose
 * models cannot be loaded are skipped (listed in `skipped`); throws when none can run.
 *
 * @example
 * ```ts
 * const result = await runEvaluation(createCliContext({ dataset: './beir/scifact' }), {
 *   name: 'cascade',
 *   shapes: ['bm25=100', 'bm25=100,tiny=30,minilm=10,prune=patience:2'],
 *   split: 'test',
 *   queries: 50,
 * });
 * console.log(result.shapes.filter((shape) => shape.onFrontier));
 * ```
 */
export async function runEvaluation(
  context: CliContext,
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const shapes = options.shapes.map(parseCascadeShape);
  // Every usage problem before anything slow: models first, then the dataset.
  const { generated, ...models } = evaluationModels(context, shapes, options);
  requirePaths({ dataset: context.datasetDir }, benchInputsHint);
  for (const [role, unused] of [
    ['prefilter', models.prefilter === null],
    ['reranker', models.reranker === null],
  ] as const) {
    if (unused && options[role] !== undefined) {
      context.warn(
        `[sieve] --${role} is unused: no shape has ${role === 'prefilter' ? 'tiny=K' : 'minilm=T'}`,
      );
    }
  }
  if (models.prefilter === null && options.prefilterMaxLength !== undefined) {
    context.warn('[sieve] --prefilter-max-length is unused: no shape has tiny=K');
  }
  const machine = describeMachine();
  // The roofline says how close the cross-encoders come to the machine's GEMM rate: a run without
  // them has no use for it (nor for the warning when its graphs are missing).
  const roofline =
    models.prefilter === null && models.reranker === null
      ? undefined
      : await machineRoofline(context);
  const { corpus, queries, qrels } = await loadBeirDataset(context.datasetDir, options.split);
  const judged = [...queries].filter(([id]) => (qrels.get(id)?.size ?? 0) > 0);
  const selected = judged.slice(0, options.queries ?? judged.length);
  context.print(
    `${options.name === 'eval' ? 'evaluation' : 'cascade sweep'} on ${context.datasetDir} (${options.split}: ${selected.length} of ${judged.length} judged queries, ${corpus.length} documents); ${machineLine(machine)}`,
  );
  for (const line of describeModels(models)) context.print(line);
  if (generated) context.print(`note: ${randomWeightsNote}`);

  const bm25 = createBm25Retriever();
  const indexStart = performance.now();
  bm25.add(corpus);
  const indexMs = performance.now() - indexStart;
  const evaluations: ShapeEvaluation[] = [];
  const stamp = runStamp();
  const skipped: Array<{ shape: string; reason: string }> = [];
  for (const shape of shapes) {
    const progress = context.progress(shape.id, selected.length);
    try {
      const evaluation = await evaluateShape(
        shape,
        { corpus, bm25, queries: selected, qrels, models },
        progress,
      ).catch((error: unknown) => {
        throw maxLengthProblem(error, models) ?? error;
      });
      evaluations.push(evaluation);
      context.print(
        `\n${shape.id}: nDCG@10 ${evaluation.ndcgAt10.toFixed(4)}, MRR@10 ${evaluation.mrrAt10.toFixed(4)}, Recall@10 ${evaluation.recallAt10.toFixed(4)}, Recall@${shape.retrievalTopK} (BM25) ${evaluation.retrievalRecall.toFixed(4)}; ${evaluation.pairsPerQuery.toFixed(1)} pairs/query, p50 ${evaluation.latencyMs.p50.toFixed(1)} ms`,
      );
      context.print(formatCascadeStats(evaluation.stats));
    } catch (error) {
      // A shape whose models cannot be had (offline hub, missing folder) is skipped, not fatal:
      // the shapes that can run still do.
      if (!ModelLoadError.isInstance(error)) throw error;
      skipped.push({ shape: shape.id, reason: error.message });
      context.warn(`[sieve] skipping shape ${shape.id}: ${error.message}`);
    } finally {
      progress.done();
    }
  }
  if (evaluations.length === 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `no shape could run: ${skipped.map((item) => item.reason).join('; ')}`,
    });
  }

  const frontier = new Set(
    paretoFrontier(
      evaluations.map((evaluation) => ({
        label: evaluation.shape,
        latencyMs: evaluation.latencyMs.p50,
        quality: evaluation.ndcgAt10,
        evaluation,
      })),
    ).map((point) => point.evaluation),
  );
  context.print(`\n${formatEvaluationTable(evaluations, frontier)}`);

  const files: Record<string, string> = {};
  if (options.prometheus) {
    evaluations.forEach((evaluation, index) => {
      const file = saveResultFile(context, stamp, {
        name: `${options.name}-shape${index + 1}`,
        extension: 'prom',
        content: formatPrometheus(evaluation.stats, { labels: { shape: evaluation.shape } }),
      });
      files[`prometheus:${evaluation.shape}`] = file;
      context.print(`prometheus:${evaluation.shape}: ${file}`);
    });
  }
  if (options.name === 'cascade') {
    Object.assign(
      files,
      saveResultFiles(
        context,
        stamp,
        evaluationCharts({
          benchmark: options.name,
          queries: selected.length,
          split: options.split,
          machine,
          modelsAreRandomWeights: generated,
          shapes: evaluations,
        }),
      ),
    );
    context.print(`chart: ${files.svg}\npage: ${files.html}`);
  }
  const result: EvaluationResult = {
    benchmark: options.name,
    machine,
    roofline: roofline ?? null,
    dataset: context.datasetDir,
    split: options.split,
    documents: corpus.length,
    queries: selected.length,
    models: {
      prefilter: models.prefilter,
      reranker: models.reranker,
      prefilterDtype: models.prefilterDtype,
      rerankerDtype: models.rerankerDtype,
      prefilterMaxLength: maxLengthRan(evaluations, scorerStageIds.prefilter),
      rerankerMaxLength: maxLengthRan(evaluations, scorerStageIds.reranker),
    },
    modelsAreRandomWeights: generated,
    indexing: { milliseconds: indexMs, documentsPerSecond: corpus.length / (indexMs / 1000) },
    shapes: evaluations.map((evaluation) => {
      const { stats: _stats, ...summary } = evaluation;
      return { ...summary, onFrontier: frontier.has(evaluation) };
    }),
    skipped,
    files,
  };
  saveResult(context, options.name, result, stamp);
  return result;
}

/** `prefilter: <folder or id> (fp32, max length 64 tokens)`, one line per model the shapes use. */
function describeModels(models: EvaluationModels): string[] {
  const lines: string[] = [];
  if (models.prefilter !== null) {
    const length =
      models.prefilterMaxLength === undefined
        ? "the model's max length"
        : `max length ${models.prefilterMaxLength} tokens`;
    lines.push(`prefilter: ${models.prefilter} (${models.prefilterDtype}, ${length})`);
  }
  if (models.reranker !== null) {
    lines.push(`reranker: ${models.reranker} (${models.rerankerDtype})`);
  }
  return lines;
}

/** The maxLength a scoring stage ran with, from the first shape that has it; null when none. */
function maxLengthRan(evaluations: readonly ShapeEvaluation[], stageId: string): number | null {
  for (const evaluation of evaluations) {
    const stage = evaluation.stages.find((item) => item.stageId === stageId);
    if (stage?.maxLength !== undefined) return stage.maxLength;
  }
  return null;
}

/**
 * A prefilter maxLength the model cannot take is the user's flag, not a broken model: a usage
 * error naming the flag (the model's limit is only known once its config is read).
 */
function maxLengthProblem(error: unknown, models: EvaluationModels): Error | undefined {
  if (
    models.prefilterMaxLength === undefined ||
    !InvalidConfigError.isInstance(error) ||
    !error.issues.some((issue) => issue.path === 'maxLength')
  ) {
    return undefined;
  }
  return new InvalidArgumentError({
    component: 'cli',
    argument: 'prefilter-max-length',
    message: `--prefilter-max-length ${models.prefilterMaxLength}: ${error.issues.find((issue) => issue.path === 'maxLength')!.message}`,
    cause: error,
  });
}

/** One line per shape: quality, latency, pairs per query, frontier mark. */
export function formatEvaluationTable(
  evaluations: readonly ShapeEvaluation[],
  frontier: ReadonlySet<ShapeEvaluation> = new Set(),
): string {
  return formatTable(
    [
      'shape',
      'nDCG@10',
      'MRR@10',
      'R@10',
      'R@depth',
      'pairs/q',
      'p50 ms',
      'p95 ms',
      'stages p50/p95 ms',
      'frontier',
    ],
    evaluations.map((evaluation) => [
      evaluation.shape,
      evaluation.ndcgAt10.toFixed(4),
      evaluation.mrrAt10.toFixed(4),
      evaluation.recallAt10.toFixed(4),
      evaluation.retrievalRecall.toFixed(4),
      evaluation.pairsPerQuery.toFixed(1),
      evaluation.latencyMs.p50.toFixed(1),
      evaluation.latencyMs.p95.toFixed(1),
      evaluation.stages
        .map(
          (stage) =>
            `${stage.stageId} ${stage.latencyMs.p50.toFixed(1)}/${stage.latencyMs.p95.toFixed(1)}`,
        )
        .join(', '),
      frontier.has(evaluation) ? '*' : '',
    ]),
  );
}
