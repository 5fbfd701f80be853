import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay seen between `start()` and `stop()`, in milliseconds. */
export interface EventLoopLagSummary {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Measures how long the host's event loop is blocked. */
export interface EventLoopLagMonitor {
  /** Starts (or restarts) measuring. */
  start(): void;
  /** Stops and returns the delay percentiles. */
  stop(): EventLoopLagSummary;
}

/**
 * Creates an event-loop lag monitor on Node's `monitorEventLoopDelay`. A blocked loop (long
 * synchronous inference on the main thread) shows as a high p99.
 *
 * @example
 * ```ts
 * const lag = createEventLoopLagMonitor();
 * lag.start();
 * await reranker.doScore(call);
 * console.log(lag.stop().p99);
 * ```
 */
export function createEventLoopLagMonitor(
  settings: { resolutionMs?: number } = {},
): EventLoopLagMonitor {
  let histogram: IntervalHistogram | undefined;
  const resolution = settings.resolutionMs ?? 5;
  return {
    start() {
      histogram?.disable();
      histogram = monitorEventLoopDelay({ resolution });
      histogram.enable();
    },
    stop() {
      if (!histogram) return { mean: 0, p50: 0, p99: 0, max: 0 };
      histogram.disable();
      const toMs = (nanoseconds: number): number =>
        Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : 0;
      // The histogram counts the sampling resolution itself as delay; subtract it.
      const lag = (nanoseconds: number): number => Math.max(0, toMs(nanoseconds) - resolution);
      const summary = {
        mean: lag(histogram.mean),
        p50: lag(histogram.percentile(50)),
        p99: lag(histogram.percentile(99)),
        max: lag(histogram.max),
      };
      histogram = undefined;
      return summary;
    },
  };
}
