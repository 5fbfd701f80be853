import { basename } from 'node:path';
import type { EvaluationResult } from '../results/evaluation-result.js';
import type { RerankBenchResult } from '../results/rerank-bench-result.js';
import type { ResultFile } from '../results/save-result.js';
import { evaluationCharts } from './evaluation-charts.js';
import { rerankChart } from './rerank-chart.js';

/** A result that has charts. */
export type ChartedResult = RerankBenchResult | EvaluationResult;

/** Whether `value` is a saved result {@link resultCharts} can draw. */
export function isChartedResult(value: unknown): value is ChartedResult {
  const benchmark = (value as { benchmark?: unknown } | null)?.benchmark;
  return benchmark === 'rerank' || benchmark === 'cascade' || benchmark === 'eval';
}

/**
 * Every chart of a result, as the files they are saved as: a bar chart per workload of a rerank
 * result (keyed by workload), the frontier chart and page of an evaluation (`svg`, `html`).
 */
export function resultCharts(result: ChartedResult): Record<string, ResultFile> {
  if (result.benchmark === 'rerank') {
    const workloads = new Set(result.rows.map((row) => row.workload));
    // Several models: a chart per workload and model, keyed `<workload>-<model>`.
    const models = result.models && result.models.length > 1 ? result.models : [undefined];
    return Object.fromEntries(
      [...workloads].flatMap((workload) =>
        models.map((model) => [
          model === undefined ? workload : `${workload}-${basename(model)}`,
          rerankChart(result, workload, undefined, model),
        ]),
      ),
    );
  }
  return evaluationCharts(result);
}
