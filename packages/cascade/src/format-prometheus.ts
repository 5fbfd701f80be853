import { InvalidArgumentError, type LatencySummary } from '@sieve/core';
import type { CascadeStats } from './cascade-stats.js';

/** Options of {@link formatPrometheus}. */
export interface PrometheusOptions {
  /**
   * Metric name prefix; must match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @default 'sieve'
   */
  prefix?: string;
  /** Labels added to every sample, such as `{ service: 'search' }`. */
  labels?: Record<string, string>;
}

/**
 * Renders `cascade.stats()` in the Prometheus text exposition format (version 0.0.4): call and
 * per-stage counters, and latency summaries in seconds with p50/p95/p99 quantiles. Serve it from a
 * `/metrics` handler with `Content-Type: text/plain; version=0.0.4`.
 *
 * @example
 * ```ts
 * response.end(formatPrometheus(cascade.stats(), { labels: { service: 'search' } }));
 * ```
 */
export function formatPrometheus(stats: CascadeStats, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'sieve';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'prefix',
      message: `prefix '${prefix}' is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`,
    });
  }
  for (const name of Object.keys(options.labels ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) {
      throw new InvalidArgumentError({
        component: 'cascade',
        argument: `labels.${name}`,
        message: `label '${name}' is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`,
      });
    }
  }
  const lines: string[] = [];
  const labelText = (extra: Record<string, string> = {}): string => {
    const entries = Object.entries({ ...options.labels, ...extra });
    if (entries.length === 0) return '';
    return `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
  };
  const family = (
    name: string,
    type: 'counter' | 'summary' | 'gauge',
    help: string,
    samples: Array<[labels: Record<string, string>, value: number, suffix?: string]>,
  ): void => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    for (const [labels, value, suffix] of samples) {
      lines.push(`${full}${suffix ?? ''}${labelText(labels)} ${formatNumber(value)}`);
    }
  };
  const summary = (
    labels: Record<string, string>,
    latency: LatencySummary,
  ): Array<[Record<string, string>, number, string?]> => [
    [{ ...labels, quantile: '0.5' }, latency.p50 / 1000],
    [{ ...labels, quantile: '0.95' }, latency.p95 / 1000],
    [{ ...labels, quantile: '0.99' }, latency.p99 / 1000],
    [labels, (latency.mean * latency.count) / 1000, '_sum'],
    [labels, latency.count, '_count'],
  ];

  family('cascade_calls_total', 'counter', 'Completed cascade calls.', [[{}, stats.calls]]);
  family(
    'cascade_duration_seconds',
    'summary',
    'Wall time of a cascade call.',
    summary({}, stats.latencyMs),
  );
  const stage = (entry: CascadeStats['stages'][number]) => ({
    stage: entry.stageId,
    kind: entry.kind,
  });
  // One family per StageStats field: [metric name, type, help, the field].
  const stageFamilies: Array<
    [string, 'counter' | 'gauge', string, (entry: CascadeStats['stages'][number]) => number]
  > = [
    ['stage_calls_total', 'counter', 'Calls in which the stage ran.', (entry) => entry.calls],
    [
      'stage_pairs_scored_total',
      'counter',
      'Query-document pairs scored (0 for retrieval stages).',
      (entry) => entry.pairsScored,
    ],
    [
      'stage_pairs_skipped_total',
      'counter',
      'Pairs a pruning policy skipped.',
      (entry) => entry.pairsSkipped,
    ],
    ['stage_batches_total', 'counter', 'Scoring batches.', (entry) => entry.batches],
    ['stage_tokens_total', 'counter', 'Tokens scored.', (entry) => entry.tokens],
    [
      'stage_pairs_per_second',
      'gauge',
      "Pairs per second of the stage's wall time, over all calls.",
      (entry) => entry.pairsPerSecond,
    ],
  ];
  for (const [name, type, help, value] of stageFamilies) {
    family(
      name,
      type,
      help,
      stats.stages.map((entry) => [stage(entry), value(entry)]),
    );
  }
  family(
    'stage_duration_seconds',
    'summary',
    'Wall time of a stage within one call.',
    stats.stages.flatMap((entry) => summary(stage(entry), entry.latencyMs)),
  );
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
