import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** What a {@link ResourceSampler} saw between `start()` and `stop()`. */
export interface ResourceUsageSummary {
  /** Wall time sampled, in milliseconds. */
  wallMs: number;
  /** CPU time of the whole process (every thread, workers included), in milliseconds. */
  cpuMs: number;
  /** Average CPU use in percent of one core (200 = two cores fully busy). */
  cpuAveragePercent: number;
  /** Highest CPU use over one sampling interval, in percent of one core. */
  cpuPeakPercent: number;
  /** Average number of cores busy (cpuAveragePercent / 100). */
  coresBusy: number;
  /** Cores the process may use. */
  coresAvailable: number;
  /** Peak resident set size during sampling, in bytes (sampled, and the OS's high-water mark). */
  peakRssBytes: number;
}

/** Samples process CPU and memory in the background. */
export interface ResourceSampler {
  /** Starts sampling (restarting clears earlier samples). */
  start(): void;
  /** Stops sampling and returns the summary. */
  stop(): ResourceUsageSummary;
}

/**
 * Creates a process resource sampler. Sampling uses an unref'd timer, so it never keeps the
 * process alive, and costs a few microseconds per interval.
 *
 * @example
 * ```ts
 * const sampler = createResourceSampler({ intervalMs: 50 });
 * sampler.start();
 * await work();
 * const { cpuAveragePercent, peakRssBytes } = sampler.stop();
 * ```
 */
export function createResourceSampler(settings: { intervalMs?: number } = {}): ResourceSampler {
  const intervalMs = settings.intervalMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let startWall = 0;
  let startCpu = 0;
  let lastWall = 0;
  let lastCpu = 0;
  let peakPercent = 0;
  let peakRss = 0;

  const cpuMicros = (): number => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  };
  const sample = (): void => {
    const wall = performance.now();
    const cpu = cpuMicros();
    const wallDelta = wall - lastWall;
    if (wallDelta > 0) {
      peakPercent = Math.max(peakPercent, ((cpu - lastCpu) / 1000 / wallDelta) * 100);
    }
    lastWall = wall;
    lastCpu = cpu;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };

  return {
    start() {
      if (timer) clearInterval(timer);
      startWall = lastWall = performance.now();
      startCpu = lastCpu = cpuMicros();
      peakPercent = 0;
      peakRss = process.memoryUsage.rss();
      timer = setInterval(sample, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      sample();
      const wallMs = performance.now() - startWall;
      const cpuMs = (cpuMicros() - startCpu) / 1000;
      const average = wallMs > 0 ? (cpuMs / wallMs) * 100 : 0;
      // maxRSS is the OS high-water mark in KiB: it catches peaks between samples.
      const osPeak = process.resourceUsage().maxRSS * 1024;
      return {
        wallMs,
        cpuMs,
        cpuAveragePercent: average,
        cpuPeakPercent: Math.max(peakPercent, average),
        coresBusy: average / 100,
        coresAvailable: availableParallelism(),
        peakRssBytes: Math.max(peakRss, osPeak),
      };
    },
  };
}
