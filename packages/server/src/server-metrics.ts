import type { PairBatcherStats } from './pair-batcher.js';

/** Latency histogram buckets, in seconds (Prometheus' defaults, finer at the low end). */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RouteHistogram {
  counts: number[];
  sum: number;
  count: number;
}

/** HTTP counters and latency histograms of a server, rendered as Prometheus text. */
export interface ServerMetrics {
  /** Records one answered request. */
  observe(route: string, method: string, status: number, seconds: number): void;
  /** Prometheus text (0.0.4) of the HTTP metrics and the batcher's. */
  format(batcher: PairBatcherStats | undefined): string;
}

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Creates the server's metrics registry. */
export function createServerMetrics(prefix = 'sieve'): ServerMetrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, RouteHistogram>();

  return {
    observe(route, method, status, seconds) {
      const key = `${route}\u0000${method}\u0000${status}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      let histogram = latency.get(route);
      if (histogram === undefined) {
        histogram = { counts: latencyBuckets.map(() => 0), sum: 0, count: 0 };
        latency.set(route, histogram);
      }
      latencyBuckets.forEach((bound, index) => {
        if (seconds <= bound) histogram.counts[index]!++;
      });
      histogram.sum += seconds;
      histogram.count++;
    },
    format(batcher) {
      const lines: string[] = [];
      lines.push(
        `# HELP ${prefix}_http_requests_total HTTP requests answered, by route, method and status.`,
        `# TYPE ${prefix}_http_requests_total counter`,
      );
      for (const [key, count] of [...requests].sort()) {
        const [route, method, status] = key.split('\u0000');
        lines.push(
          `${prefix}_http_requests_total{route="${escapeLabel(route!)}",method="${method}",status="${status}"} ${count}`,
        );
      }
      lines.push(
        `# HELP ${prefix}_http_request_duration_seconds Time from request to response, by route.`,
        `# TYPE ${prefix}_http_request_duration_seconds histogram`,
      );
      for (const [route, histogram] of [...latency].sort(([a], [b]) => a.localeCompare(b))) {
        const label = `route="${escapeLabel(route)}"`;
        latencyBuckets.forEach((bound, index) => {
          lines.push(
            `${prefix}_http_request_duration_seconds_bucket{${label},le="${bound}"} ${histogram.counts[index]}`,
          );
        });
        lines.push(
          `${prefix}_http_request_duration_seconds_bucket{${label},le="+Inf"} ${histogram.count}`,
          `${prefix}_http_request_duration_seconds_sum{${label}} ${histogram.sum}`,
          `${prefix}_http_request_duration_seconds_count{${label}} ${histogram.count}`,
        );
      }
      if (batcher !== undefined) {
        const gauge = (name: string, help: string, value: number, type = 'gauge'): void => {
          lines.push(
            `# HELP ${prefix}_${name} ${help}`,
            `# TYPE ${prefix}_${name} ${type}`,
            `${prefix}_${name} ${value}`,
          );
        };
        gauge('queue_pairs', 'Pairs waiting for a scoring call.', batcher.queuedPairs);
        gauge('scoring_calls_in_flight', 'Scoring calls running.', batcher.inFlight);
        gauge('scored_pairs_total', 'Pairs sent to scoring calls.', batcher.pairs, 'counter');
        gauge('onnx_batches_total', 'ONNX batches run.', batcher.onnxBatches, 'counter');
        gauge(
          'refused_requests_total',
          'Requests refused with 429 (queue full).',
          batcher.refused,
          'counter',
        );
        lines.push(
          `# HELP ${prefix}_scoring_call_pairs Pairs per scoring call (cross-request batches).`,
          `# TYPE ${prefix}_scoring_call_pairs histogram`,
        );
        let cumulative = 0;
        for (const [bound, calls] of batcher.callSizes) {
          cumulative += calls;
          const le = Number.isFinite(bound) ? String(bound) : '+Inf';
          lines.push(`${prefix}_scoring_call_pairs_bucket{le="${le}"} ${cumulative}`);
        }
        lines.push(
          `${prefix}_scoring_call_pairs_sum ${batcher.pairs}`,
          `${prefix}_scoring_call_pairs_count ${batcher.calls}`,
        );
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
