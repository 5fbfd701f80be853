import { describe, expect, it } from 'vitest';
import { createEventLoopLagMonitor } from './event-loop-lag-monitor.js';
import {
  addInferenceTimings,
  createInferenceTimings,
  formatInferenceTimings,
} from './inference-timings.js';
import { createLatencyHistogram } from './latency-histogram.js';
import { createResourceSampler } from './resource-sampler.js';
import { startTimer } from './timer.js';

const busyWait = (milliseconds: number): void => {
  const end = performance.now() + milliseconds;
  while (performance.now() < end) {
    // spin: block the event loop on purpose
  }
};

describe('latency histogram', () => {
  it('reports percentiles within its precision', () => {
    const histogram = createLatencyHistogram({ precision: 0.01 });
    for (let value = 1; value <= 1000; value++) histogram.record(value);
    const summary = histogram.summary();
    expect(summary.count).toBe(1000);
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(1000);
    expect(summary.mean).toBeCloseTo(500.5, 6);
    expect(Math.abs(summary.p50 - 500) / 500).toBeLessThan(0.011);
    expect(Math.abs(summary.p95 - 950) / 950).toBeLessThan(0.011);
    expect(Math.abs(summary.p99 - 990) / 990).toBeLessThan(0.011);
  });

  it('keeps fixed memory, ignores bad values, merges and resets', () => {
    const a = createLatencyHistogram();
    const size = a.buckets.length;
    for (let index = 0; index < 100_000; index++) a.record(Math.random() * 100);
    a.record(Number.NaN);
    a.record(-1);
    expect(a.buckets.length).toBe(size);
    expect(a.summary().count).toBe(100_000);
    const b = createLatencyHistogram();
    b.record(5000);
    a.merge(b);
    expect(a.summary().max).toBe(5000);
    a.reset();
    expect(a.summary()).toEqual({ count: 0, mean: 0, min: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    expect(() => a.merge(createLatencyHistogram({ precision: 0.1 }))).toThrow(RangeError);
  });

  it('is exact for a single value', () => {
    const histogram = createLatencyHistogram();
    histogram.record(12.345);
    expect(histogram.summary().p50).toBe(12.345);
    expect(histogram.summary().p99).toBe(12.345);
  });
});

describe('timer', () => {
  it('measures elapsed time monotonically', () => {
    const elapsed = startTimer();
    busyWait(5);
    expect(elapsed()).toBeGreaterThanOrEqual(5);
  });
});

describe('resource sampler', () => {
  it('sees a busy core and the resident memory', async () => {
    const sampler = createResourceSampler({ intervalMs: 10 });
    sampler.start();
    busyWait(150);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const usage = sampler.stop();
    expect(usage.cpuMs).toBeGreaterThan(100);
    expect(usage.cpuAveragePercent).toBeGreaterThan(40);
    expect(usage.cpuPeakPercent).toBeGreaterThanOrEqual(usage.cpuAveragePercent);
    expect(usage.coresBusy).toBeCloseTo(usage.cpuAveragePercent / 100, 10);
    expect(usage.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(usage.coresAvailable).toBeGreaterThanOrEqual(1);
  });
});

describe('event-loop lag monitor', () => {
  it('reports a blocked loop, and little lag on an idle one', async () => {
    const monitor = createEventLoopLagMonitor({ resolutionMs: 5 });
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const idle = monitor.stop();
    monitor.start();
    for (let round = 0; round < 5; round++) {
      busyWait(40);
      await new Promise((resolve) => setTimeout(resolve, 6));
    }
    const blocked = monitor.stop();
    expect(blocked.max).toBeGreaterThan(25);
    expect(blocked.max).toBeGreaterThan(idle.max);
    expect(idle.p50).toBeLessThan(5);
    expect(idle.samples).toBeGreaterThan(3);
  });

  it('records a multi-second stall, including one still in progress at stop()', async () => {
    const monitor = createEventLoopLagMonitor({ resolutionMs: 2 });
    monitor.start();
    busyWait(1200);
    await new Promise((resolve) => setTimeout(resolve, 10));
    busyWait(300);
    const lag = monitor.stop();
    expect(lag.max).toBeGreaterThan(1100);
    expect(lag.p99).toBeGreaterThan(250);
  });
});

describe('inference timings', () => {
  it('adds up in place and formats per-batch means', () => {
    const total = createInferenceTimings();
    const batch = { ...createInferenceTimings(), batches: 1, rows: 4, paddedTokens: 400, runMs: 8 };
    addInferenceTimings(total, batch);
    addInferenceTimings(total, { ...batch, runMs: 12, tokenizeMs: 2 });
    expect(total).toMatchObject({
      batches: 2,
      rows: 8,
      paddedTokens: 800,
      runMs: 20,
      tokenizeMs: 2,
    });
    expect(formatInferenceTimings(total)).toBe(
      '2 batches of 4.0 rows (100 padded tokens/row), per batch: tokenize 1.00 ms, pack 0.00, transfer 0.00, feed 0.00, run 10.00, return 0.00',
    );
  });
});
