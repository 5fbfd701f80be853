import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import type { RerankBenchResult } from '../bench/rerank.js';
import type { CliContext } from '../cli-context.js';
import type { ShapeEvaluation } from '../evaluate/evaluate-cascade.js';
import type { EvaluationResult } from '../evaluate/run-evaluation.js';
import { saveResultFile } from '../results.js';
import { renderBarChartSvg } from './bar-chart.js';
import { renderFrontierHtml, renderFrontierSvg } from './frontier.js';

/** Bar chart of one workload's successful rows: pairs/s, Sieve's rows highlighted. */
export function rerankChartSvg(
  result: Pick<RerankBenchResult, 'rows' | 'model' | 'machine' | 'workloads'>,
  workload: string,
  repeats?: number,
): string {
  const rows = result.rows.filter((row) => row.workload === workload && row.status === 'ok');
  const info = result.workloads.find((item) => item.name === workload);
  const model = basename(result.model);
  const passes = repeats ?? rows[0]?.measurement?.repeatSeconds.length ?? 1;
  return renderBarChartSvg(
    rows.map((row) => ({
      label: row.strategy.id,
      value: row.pairsPerSecond!,
      highlight: row.strategy.id.startsWith('sieve-'),
      ...(row.speedupOverRowWise === undefined
        ? {}
        : { annotation: `${row.speedupOverRowWise.toFixed(2)}x row-wise` }),
    })),
    {
      title: `${model}, ${workload}: ${info?.queries ?? '?'} queries, ${info?.pairs ?? '?'} pairs; ${result.machine.cpuModel} (${result.machine.cores} cores)`,
      unit: 'pairs/s',
      note: `median of ${passes} pass(es); the same pairs for every strategy`,
    },
  );
}

/** The frontier points of an evaluation result. */
export function evaluationPoints(result: {
  shapes: ReadonlyArray<
    Pick<
      ShapeEvaluation,
      'shape' | 'latencyMs' | 'ndcgAt10' | 'mrrAt10' | 'recallAt10' | 'pairsPerQuery'
    >
  >;
}) {
  return result.shapes.map((shape) => ({
    label: shape.shape,
    latencyMs: shape.latencyMs.p50,
    quality: shape.ndcgAt10,
    details: {
      'p95 ms': shape.latencyMs.p95.toFixed(1),
      'MRR@10': shape.mrrAt10.toFixed(4),
      'Recall@10': shape.recallAt10.toFixed(4),
      'pairs/query': shape.pairsPerQuery.toFixed(1),
    },
  }));
}

/** What an evaluation with the generated models says about its quality figures. */
export const randomWeightsNote =
  'Models are architecture-exact with RANDOM weights: latency is real, rerank quality is not (pass --models DIR with trained weights).';

/** Title and note of an evaluation's charts. */
export function evaluationChartText(
  result: Pick<EvaluationResult, 'queries' | 'split' | 'machine' | 'modelsAreRandomWeights'>,
): { title: string; note?: string } {
  return {
    title: `Quality vs latency, ${result.queries} ${result.split} queries, ${result.machine.cpuModel} (${result.machine.cores} cores)`,
    ...(result.modelsAreRandomWeights ? { note: randomWeightsNote } : {}),
  };
}

/**
 * Saves the frontier chart (SVG) and page (HTML) of an evaluation as
 * `<benchmark>-<stamp>.svg` / `.html`; returns their paths.
 */
export function saveEvaluationCharts(
  target: Pick<CliContext, 'resultsDir'>,
  stamp: string,
  result: Pick<
    EvaluationResult,
    'benchmark' | 'queries' | 'split' | 'machine' | 'modelsAreRandomWeights'
  > & { shapes: Parameters<typeof evaluationPoints>[0]['shapes'] },
): { svg: string; html: string } {
  const points = evaluationPoints(result);
  const text = evaluationChartText(result);
  const svg = renderFrontierSvg(points, text);
  return {
    svg: saveResultFile(target, result.benchmark, stamp, 'svg', svg),
    html: saveResultFile(
      target,
      result.benchmark,
      stamp,
      'html',
      renderFrontierHtml(points, { ...text, svg }),
    ),
  };
}

/**
 * `sieve chart FILE`: renders the charts of a saved `rerank`, `cascade` or `eval` result again,
 * next to it (same name, `.svg` / `.html`). Returns the files written.
 */
export function renderResultCharts(
  context: Pick<CliContext, 'print'>,
  file: string,
): Record<string, string> {
  let result: { benchmark?: string };
  try {
    result = JSON.parse(readFileSync(file, 'utf8')) as { benchmark?: string };
  } catch (error) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'file',
      message: `cannot read a saved result from ${file}: ${(error as Error).message}`,
    });
  }
  const target = { resultsDir: dirname(file) };
  const stem = basename(file, '.json');
  const stamp = stem.replace(/^[a-z]+-/, '');
  const written: Record<string, string> = {};
  if (result.benchmark === 'rerank') {
    const rerank = result as RerankBenchResult;
    for (const workload of new Set(rerank.rows.map((row) => row.workload))) {
      written[workload] = saveResultFile(
        target,
        `rerank-${workload}`,
        stamp,
        'svg',
        rerankChartSvg(rerank, workload),
      );
    }
  } else if (result.benchmark === 'cascade' || result.benchmark === 'eval') {
    Object.assign(written, saveEvaluationCharts(target, stamp, result as EvaluationResult));
  } else {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'file',
      message: `${file} is not a rerank, cascade or eval result (benchmark: ${String(result.benchmark)})`,
    });
  }
  for (const path of Object.values(written)) context.print(`wrote ${path}`);
  return written;
}
