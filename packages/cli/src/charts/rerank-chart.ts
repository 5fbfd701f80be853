import { basename } from 'node:path';
import type { RerankBenchResult } from '../results/rerank-bench-result.js';
import type { ResultFile } from '../results/save-result.js';
import { renderBarChartSvg } from './bar-chart.js';

/** The parts of a rerank result its charts are drawn from. */
export type RerankChartInput = Pick<RerankBenchResult, 'rows' | 'model' | 'machine' | 'workloads'>;

/**
 * Bar chart of one workload's successful rows: pairs/s, Sieve's rows highlighted. With `model`
 * (a result of several models), that model's rows only.
 */
export function rerankChartSvg(
  result: RerankChartInput,
  workload: string,
  repeats?: number,
  model?: string,
): string {
  const rows = result.rows.filter(
    (row) =>
      row.workload === workload &&
      row.status === 'ok' &&
      (model === undefined || row.model === basename(model)),
  );
  const info = result.workloads.find((item) => item.name === workload);
  const title = basename(model ?? result.model);
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
      title: `${title}, ${workload}: ${info?.queries ?? '?'} queries, ${info?.pairs ?? '?'} pairs; ${result.machine.cpuModel} (${result.machine.cores} cores)`,
      unit: 'pairs/s',
      note: `median of ${passes} pass(es); the same pairs for every strategy`,
    },
  );
}

/**
 * One workload's bar chart as the file it is saved as: `rerank-<workload>-<stamp>.svg`, or
 * `rerank-<workload>-<model>-<stamp>.svg` for one `model` of several.
 */
export function rerankChart(
  result: RerankChartInput,
  workload: string,
  repeats?: number,
  model?: string,
): ResultFile {
  return {
    name: model === undefined ? `rerank-${workload}` : `rerank-${workload}-${basename(model)}`,
    extension: 'svg',
    content: rerankChartSvg(result, workload, repeats, model),
  };
}
