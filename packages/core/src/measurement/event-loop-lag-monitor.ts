import { performance } from 'node:perf_hooks';
import { createLatencyHistogram } from './latency-histogram.js';

/** Event-loop delay seen between `start()` and `stop()`, in milliseconds. */
export interface EventLoopLagSummary {
  /** Delay samples taken (one per timer tick). */
  samples: number;
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
 * Creates an event-loop lag monitor: a timer due every `resolutionMs` records how late it fired.
 * A loop blocked by synchronous work (inference on the main thread) shows as a high p99 and max.
 * Unlike Node's `monitorEventLoopDelay`, a stall of several seconds is recorded, not dropped, and
 * the stall still in progress at `stop()` counts too.
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
  const resolution = settings.resolutionMs ?? 5;
  const histogram = createLatencyHistogram();
  let timer: NodeJS.Timeout | undefined;
  let due = 0;
  const tick = (): void => {
    const now = performance.now();
    histogram.record(Math.max(0, now - due));
    due = now + resolution;
    timer = setTimeout(tick, resolution);
    timer.unref();
  };
  return {
    start() {
      if (timer) clearTimeout(timer);
      histogram.reset();
      due = performance.now() + resolution;
      timer = setTimeout(tick, resolution);
      timer.unref();
    },
    stop() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        const late = performance.now() - due;
        if (late > 0) histogram.record(late);
      }
      const summary = histogram.summary();
      return {
        samples: summary.count,
        mean: summary.mean,
        p50: summary.p50,
        p99: summary.p99,
        max: summary.max,
      };
    },
  };
}
