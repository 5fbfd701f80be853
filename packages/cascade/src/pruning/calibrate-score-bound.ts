import {
  InvalidArgumentError,
  type ScorerV1,
  type ScorerV1Document,
  StageError,
} from '@sieve/core';
import {
  type FitScoreBoundOptions,
  fitScoreBound,
  type LinearScoreBound,
  type ScorePair,
} from './score-bound.js';

/** One calibration query with the candidates the previous stage would pass on. */
export interface CalibrationSample {
  query: string;
  documents: readonly ScorerV1Document[];
  /**
   * The previous stage's scores of `documents` (for example retrieval scores), when the previous
   * stage is not a scorer. Otherwise leave it out and pass `previous`.
   */
  previousScores?: readonly number[];
}

/** Options of {@link calibrateScoreBound}. */
export interface CalibrateScoreBoundOptions extends FitScoreBoundOptions {
  /** The stage before the pruned one; needed for samples without `previousScores`. */
  previous?: ScorerV1;
  /** The stage that will be pruned. */
  next: ScorerV1;
  /** Sample queries, ideally like production traffic. */
  samples: readonly CalibrationSample[];
}

/**
 * Scores sample queries with both stages and fits a bound of next-stage scores over
 * previous-stage scores, for the `bounded` pruning policy. Returns the bound and the pairs it saw.
 *
 * @example
 * ```ts
 * const { bound } = await calibrateScoreBound({ previous: prefilter, next: reranker, samples });
 * ```
 */
export async function calibrateScoreBound(
  options: CalibrateScoreBoundOptions,
): Promise<{ bound: LinearScoreBound; pairs: ScorePair[] }> {
  if (options.samples.length === 0) {
    throw new InvalidArgumentError({
      component: 'cascade',
      argument: 'samples',
      message: 'calibrateScoreBound needs at least one sample query',
    });
  }
  const pairs: ScorePair[] = [];
  for (const [index, sample] of options.samples.entries()) {
    let previousScores = sample.previousScores;
    if (previousScores === undefined) {
      if (!options.previous) {
        throw new InvalidArgumentError({
          component: 'cascade',
          argument: `samples[${index}].previousScores`,
          message: 'pass previousScores in every sample, or a previous scorer',
        });
      }
      previousScores = await scoreChecked(options.previous, sample);
    }
    if (previousScores.length !== sample.documents.length) {
      throw new InvalidArgumentError({
        component: 'cascade',
        argument: `samples[${index}].previousScores`,
        message: `has ${previousScores.length} scores for ${sample.documents.length} documents`,
      });
    }
    const nextScores = await scoreChecked(options.next, sample);
    for (const [position, previous] of previousScores.entries()) {
      pairs.push({ previous, next: nextScores[position]! });
    }
  }
  return { bound: fitScoreBound(pairs, options), pairs };
}

async function scoreChecked(
  scorer: ScorerV1,
  sample: CalibrationSample,
): Promise<readonly number[]> {
  const { scores } = await scorer.doScore({ query: sample.query, documents: sample.documents });
  if (scores.length !== sample.documents.length) {
    throw new StageError({
      component: 'cascade',
      stageId: scorer.stageId,
      message: `returned ${scores.length} scores for ${sample.documents.length} documents`,
    });
  }
  return scores;
}
