import { formatCascadeStats, formatPrometheus } from '@sieve/cascade';
import { formatTable, InvalidArgumentError, ModelLoadError } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import { createBm25Retriever, loadBeirDataset } from '@sieve/retrieval';
import { machineRoofline, type Roofline } from '../bench/gemm.js';
import { paretoFrontier } from '../charts/frontier.js';
import { randomWeightsNote, saveEvaluationCharts } from '../charts/render-result-charts.js';
import { benchInputsHint, type CliContext, requirePaths } from '../cli-context.js';
import { describeMachine, type MachineInfo, machineLine } from '../machine.js';
import { runStamp, saveResult, saveResultFile } from '../results.js';
import { parseCascadeShape } from './cascade-shape.js';
import { evaluateShape, evaluationModels, type ShapeEvaluation } from './evaluate-cascade.js';

/** Options of {@link runEvaluation}. */
export interface EvaluationOptions {
  /** `eval` (one or a few shapes, all queries) or `cascade` (a sweep, with the frontier chart). */
  name: 'eval' | 'cascade';
  shapes: string[];
  split: string;
  /** First N judged queries; all when undefined. */
  queries?: number;
  prefilterDtype?: Dtype;
  rerankerDtype?: Dtype;
  /** Also save the Prometheus exposition of each shape's stats. */
  prometheus?: boolean;
}

/** What `sieve eval` and `sieve bench cascade` save. */
export interface EvaluationResult {
  benchmark: 'eval' | 'cascade';
  machine: MachineInfo;
  roofline: Roofline | null;
  dataset: string;
  split: string;
  documents: number;
  queries: number;
  models: { prefilter: string; reranker: string; prefilterDtype: Dtype; rerankerDtype: Dtype };
  /** True when the models are the generated random-weight ones: quality figures mean nothing. */
  modelsAreRandomWeights: boolean;
  indexing: { milliseconds: number; documentsPerSecond: number };
  shapes: Array<Omit<ShapeEvaluation, 'stats'> & { onFrontier: boolean }>;
  /** Shapes that could not run (their models could not be loaded), with the reason. */
  skipped: Array<{ shape: string; reason: string }>;
  files: Record<string, string>;
}

/**
 * Evaluates cascade shapes on a BEIR dataset: quality (nDCG@10, MRR@10, Recall@10, retrieval
 * recall) and cost (per-stage p50/p95 latency, pairs per query), the quality-vs-latency frontier,
 * and, for sweeps, an SVG chart and an HTML page.
 */
export async function runEvaluation(
  context: CliContext,
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const shapes = options.shapes.map(parseCascadeShape);
  requirePaths({ dataset: context.datasetDir }, benchInputsHint);
  const machine = describeMachine();
  const roofline = await machineRoofline(context);
  const { corpus, queries, qrels } = await loadBeirDataset(context.datasetDir, options.split);
  const judged = [...queries].filter(([id]) => (qrels.get(id)?.size ?? 0) > 0);
  const selected = judged.slice(0, options.queries ?? judged.length);
  const models = evaluationModels(context.modelsDir, {
    ...(options.prefilterDtype ? { prefilterDtype: options.prefilterDtype } : {}),
    ...(options.rerankerDtype ? { rerankerDtype: options.rerankerDtype } : {}),
  });
  context.print(
    `${options.name === 'eval' ? 'evaluation' : 'cascade sweep'} on ${context.datasetDir} (${options.split}: ${selected.length} of ${judged.length} judged queries, ${corpus.length} documents); ${machineLine(machine)}`,
  );
  context.print(
    `cross-encoders: ${models.prefilter} (${models.prefilterDtype}), ${models.reranker} (${models.rerankerDtype})`,
  );
  if (models.generated) context.print(`note: ${randomWeightsNote}`);

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
      );
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
      const file = saveResultFile(
        context,
        `${options.name}-shape${index + 1}`,
        stamp,
        'prom',
        formatPrometheus(evaluation.stats, { labels: { shape: evaluation.shape } }),
      );
      files[`prometheus:${evaluation.shape}`] = file;
      context.print(`prometheus:${evaluation.shape}: ${file}`);
    });
  }
  if (options.name === 'cascade') {
    Object.assign(
      files,
      saveEvaluationCharts(context, stamp, {
        benchmark: options.name,
        queries: selected.length,
        split: options.split,
        machine,
        modelsAreRandomWeights: models.generated,
        shapes: evaluations,
      }),
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
    },
    modelsAreRandomWeights: models.generated,
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
