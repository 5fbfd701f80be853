import { formatInferenceTimings, formatTable } from '@sieve/core';
import type { StageReport } from './cascade-result.js';
import type { CascadeStats } from './cascade-stats.js';

/**
 * Renders stage reports of one call as a fixed-width text table, then, for each stage whose scorer
 * measured it, where its time went per ONNX batch.
 *
 * @example
 * ```ts
 * console.log(formatStageReports(result.reports));
 * ```
 */
export function formatStageReports(reports: readonly StageReport[]): string {
  const table = formatTable(
    ['stage', 'kind', 'in', 'out', 'pairs', 'skipped', 'batches', 'ms', 'pairs/s', 'stop'],
    reports.map((report) =>
      report.kind === 'score'
        ? [
            report.stageId,
            report.kind,
            String(report.inputCount),
            String(report.outputCount),
            String(report.pairsScored),
            String(report.pairsSkipped),
            String(report.batches),
            report.wallMs.toFixed(1),
            report.pairsPerSecond.toFixed(0),
            report.prunedBy ? `${report.stopReason} (${report.prunedBy})` : report.stopReason,
          ]
        : [
            report.stageId,
            report.kind,
            String(report.inputCount),
            String(report.outputCount),
            '-',
            '-',
            '-',
            report.wallMs.toFixed(1),
            '-',
            report.stopReason,
          ],
    ),
  );
  const breakdowns = reports.flatMap((report) =>
    report.kind === 'score' && report.inference
      ? [`${report.stageId}: ${formatInferenceTimings(report.inference)}`]
      : [],
  );
  return breakdowns.length > 0 ? `${table}\n${breakdowns.join('\n')}` : table;
}

/**
 * Renders `cascade.stats()` as a fixed-width text table with latency percentiles.
 *
 * @example
 * ```ts
 * console.log(formatCascadeStats(cascade.stats()));
 * ```
 */
export function formatCascadeStats(stats: CascadeStats): string {
  return formatTable(
    ['stage', 'calls', 'pairs', 'skipped', 'pairs/s', 'tokens/s', 'p50 ms', 'p95 ms', 'p99 ms'],
    stats.stages.map((stage) => [
      stage.stageId,
      String(stage.calls),
      String(stage.pairsScored),
      String(stage.pairsSkipped),
      stage.kind === 'score' ? stage.pairsPerSecond.toFixed(0) : '-',
      stage.tokens > 0 ? stage.tokensPerSecond.toFixed(0) : '-',
      stage.latencyMs.p50.toFixed(1),
      stage.latencyMs.p95.toFixed(1),
      stage.latencyMs.p99.toFixed(1),
    ]),
  );
}
