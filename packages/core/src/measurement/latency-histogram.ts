/** Percentiles of a {@link LatencyHistogram}, in the unit it was fed (milliseconds by convention). */
export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Settings of {@link createLatencyHistogram}. */
export interface LatencyHistogramSettings {
  /**
   * Smallest value told apart; smaller values share the first bucket.
   * @default 0.001 (1 microsecond, for milliseconds)
   */
  lowest?: number;
  /**
   * Largest value told apart; larger values share the last bucket (max stays exact).
   * @default 3_600_000 (one hour, for milliseconds)
   */
  highest?: number;
  /**
   * Relative width of a bucket: reported percentiles are within this fraction of the truth.
   * @default 0.01
   */
  precision?: number;
}

/** A fixed-memory latency histogram: recording is O(1), memory does not grow with the count. */
export interface LatencyHistogram {
  /** Records one value. Non-finite or negative values are ignored. */
  record(value: number): void;
  /** Adds every value of another histogram made with the same settings. */
  merge(other: LatencyHistogram): void;
  /** The value below which `quantile` (0..1) of the values lie. 0 when empty. */
  quantile(quantile: number): number;
  /** Count, mean, min, p50, p95, p99, max. */
  summary(): LatencySummary;
  /** Forgets every value. */
  reset(): void;
  /** @internal the bucket counts, for {@link LatencyHistogram.merge}. */
  readonly buckets: Uint32Array;
  /** @internal exact aggregates, for {@link LatencyHistogram.merge}. */
  readonly totals: { count: number; sum: number; min: number; max: number };
}

/**
 * Creates a log-bucketed latency histogram (about 1,500 buckets at the defaults, 6 KiB).
 *
 * @example
 * ```ts
 * const histogram = createLatencyHistogram();
 * histogram.record(12.5);
 * histogram.summary().p99;
 * ```
 */
export function createLatencyHistogram(settings: LatencyHistogramSettings = {}): LatencyHistogram {
  const lowest = settings.lowest ?? 0.001;
  const highest = settings.highest ?? 3_600_000;
  const precision = settings.precision ?? 0.01;
  if (!(lowest > 0 && highest > lowest && precision > 0 && precision < 1)) {
    throw new RangeError('latency histogram needs 0 < lowest < highest and 0 < precision < 1');
  }
  const logBase = Math.log1p(precision);
  const bucketCount = Math.ceil(Math.log(highest / lowest) / logBase) + 2;
  const buckets = new Uint32Array(bucketCount);
  const totals = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: 0 };

  const bucketOf = (value: number): number => {
    if (value <= lowest) return 0;
    const index = Math.floor(Math.log(value / lowest) / logBase) + 1;
    return Math.min(index, bucketCount - 1);
  };
  // Representative value of a bucket: its geometric middle.
  const bucketValue = (index: number): number =>
    index === 0 ? lowest : lowest * Math.exp((index - 0.5) * logBase);

  const histogram: LatencyHistogram = {
    buckets,
    totals,
    record(value) {
      if (!Number.isFinite(value) || value < 0) return;
      buckets[bucketOf(value)]! += 1;
      totals.count += 1;
      totals.sum += value;
      if (value < totals.min) totals.min = value;
      if (value > totals.max) totals.max = value;
    },
    merge(other) {
      if (other.buckets.length !== bucketCount) {
        throw new RangeError('cannot merge latency histograms made with different settings');
      }
      for (let index = 0; index < bucketCount; index++) buckets[index]! += other.buckets[index]!;
      totals.count += other.totals.count;
      totals.sum += other.totals.sum;
      totals.min = Math.min(totals.min, other.totals.min);
      totals.max = Math.max(totals.max, other.totals.max);
    },
    quantile(quantile) {
      if (totals.count === 0) return 0;
      const rank = Math.max(1, Math.ceil(Math.min(Math.max(quantile, 0), 1) * totals.count));
      let seen = 0;
      for (let index = 0; index < bucketCount; index++) {
        seen += buckets[index]!;
        if (seen >= rank) {
          // Clamp to the exact extremes so p0/p100 and single-value histograms are exact.
          return Math.min(Math.max(bucketValue(index), totals.min), totals.max);
        }
      }
      return totals.max;
    },
    summary() {
      const empty = totals.count === 0;
      return {
        count: totals.count,
        mean: empty ? 0 : totals.sum / totals.count,
        min: empty ? 0 : totals.min,
        p50: histogram.quantile(0.5),
        p95: histogram.quantile(0.95),
        p99: histogram.quantile(0.99),
        max: totals.max,
      };
    },
    reset() {
      buckets.fill(0);
      totals.count = 0;
      totals.sum = 0;
      totals.min = Number.POSITIVE_INFINITY;
      totals.max = 0;
    },
  };
  return histogram;
}
