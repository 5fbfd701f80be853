import { InvalidArgumentError } from '@sieve/core';

/** An upper bound of a candidate's next-stage score given its previous-stage score. */
export interface ScoreBound {
  /** The highest next-stage score a candidate with this previous-stage score can get. */
  upper(previousScore: number): number;
}

/** A linear bound `slope * previous + intercept`, serializable as its two numbers. */
export interface LinearScoreBound extends ScoreBound {
  readonly slope: number;
  /** Includes the fitted residual allowance and the safety margin. */
  readonly intercept: number;
  /** Pairs the bound was fitted on (0 when made by hand). */
  readonly pairCount: number;
}

/** One observed (previous-stage score, next-stage score) pair of a candidate. */
export interface ScorePair {
  previous: number;
  next: number;
}

/** Options of {@link fitScoreBound}. */
export interface FitScoreBoundOptions {
  /**
   * Extra allowance added above the highest observed residual, in next-stage score units.
   * @default 10% of the observed next-score range
   */
  margin?: number;
}

/**
 * A linear bound from its two numbers, e.g. saved from an earlier {@link fitScoreBound}.
 *
 * @example
 * ```ts
 * const bound = linearScoreBound({ slope: 1.2, intercept: 3 });
 * ```
 */
export function linearScoreBound(parameters: {
  slope: number;
  intercept: number;
  pairCount?: number;
}): LinearScoreBound {
  const { slope, intercept } = parameters;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'bound',
      message: `a linear score bound needs finite slope and intercept, got ${slope} and ${intercept}`,
    });
  }
  return {
    slope,
    intercept,
    pairCount: parameters.pairCount ?? 0,
    upper: (previousScore) => slope * previousScore + intercept,
  };
}

/**
 * Fits an upper bound of next-stage scores over previous-stage scores: a least-squares line,
 * raised so that every observed pair lies under it, plus a safety margin. With the bound holding,
 * the `bounded` policy never drops a true top-k member; the margin covers pairs not seen in the
 * sample.
 *
 * @example
 * ```ts
 * const bound = fitScoreBound([{ previous: 1, next: 2 }, { previous: 3, next: 5 }]);
 * bound.upper(2); // >= 3.5
 * ```
 */
export function fitScoreBound(
  pairs: readonly ScorePair[],
  options: FitScoreBoundOptions = {},
): LinearScoreBound {
  const finite = pairs.filter(
    (pair) => Number.isFinite(pair.previous) && Number.isFinite(pair.next),
  );
  if (finite.length === 0) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'pairs',
      message:
        'fitScoreBound needs at least one pair of finite scores; score some sample queries first',
    });
  }
  if (options.margin !== undefined && !(options.margin >= 0)) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'margin',
      message: `margin must be >= 0, got ${options.margin}`,
    });
  }
  const count = finite.length;
  const meanPrevious = finite.reduce((sum, pair) => sum + pair.previous, 0) / count;
  const meanNext = finite.reduce((sum, pair) => sum + pair.next, 0) / count;
  let covariance = 0;
  let variance = 0;
  for (const pair of finite) {
    covariance += (pair.previous - meanPrevious) * (pair.next - meanNext);
    variance += (pair.previous - meanPrevious) ** 2;
  }
  const slope = variance > 0 ? covariance / variance : 0;
  const baseIntercept = meanNext - slope * meanPrevious;
  let maxResidual = Number.NEGATIVE_INFINITY;
  let minNext = Number.POSITIVE_INFINITY;
  let maxNext = Number.NEGATIVE_INFINITY;
  for (const pair of finite) {
    maxResidual = Math.max(maxResidual, pair.next - (slope * pair.previous + baseIntercept));
    minNext = Math.min(minNext, pair.next);
    maxNext = Math.max(maxNext, pair.next);
  }
  const margin = options.margin ?? 0.1 * (maxNext - minNext);
  return linearScoreBound({
    slope,
    intercept: baseIntercept + maxResidual + margin,
    pairCount: count,
  });
}
