import { basename } from 'node:path';
import type { RerankBenchResult } from '../results/rerank-bench-result.js';
import type { ResultFile } from '../results/save-result.js';
import { renderBarChartSvg } from './bar-chart.js';

/** The parts of a rerank result its charts are drawn from. */
export type RerankChartInput = Pick<RerankBenchResult, 'rows' | 'model' | 'machine' | 'workloads'>;

/** Bar chart of one workload's successful rows: pairs/s, Sieve's rows highlighted. */
export function rerankChartSvg(
  result: RerankChartInput,
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

/** One workload's bar chart as the file it is saved as: `rerank-<workload>-<stamp>.svg`. */
export function rerankChart(
  result: RerankChartInput,
  workload: string,
  repeats?: number,
): ResultFile {
  return {
    name: `rerank-${workload}`,
    extension: 'svg',
    content: rerankChartSvg(result, workload, repeats),
  };
}
