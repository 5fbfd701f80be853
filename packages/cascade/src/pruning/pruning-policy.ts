/** What a pruning policy knows when a scoring stage starts. */
export interface PruningContext {
  /** How many candidates the stage passes on. */
  topK: number;
  /**
   * The previous stage's score of every candidate, in the order the stage scores them (the
   * previous stage's ranking, best first).
   */
  previousScores: readonly number[];
}

/** Progress of a scoring stage, given to {@link PruningPlan.shouldStop} between batches. */
export interface PruningProgress {
  /** Candidates scored so far: always a prefix of the stage's input order. */
  scoredCount: number;
  /** This stage's scores of the first `scoredCount` candidates. */
  scores: ArrayLike<number>;
  /** Batches completed so far. */
  batchIndex: number;
}

/** A policy's decisions for one stage run. */
export interface PruningPlan {
  /** Score at most this many candidates (known before scoring starts). */
  maxDepth?: number;
  /** Called before each batch after the first; `true` stops the stage there. */
  shouldStop?(progress: PruningProgress): boolean;
}

/**
 * An early-stopping policy for a progressive scoring stage. The stage scores candidates in the
 * previous stage's order, batch by batch; the policy may cap the depth up front and may stop the
 * stage between batches. What it skips shows in the stage report as `pairsSkipped`.
 *
 * A policy is stateless; `plan` returns the state of one stage run, so one policy object can serve
 * concurrent calls.
 */
export interface PruningPolicy {
  /** Name shown in reports as `prunedBy`, e.g. `fixedDepth(50)`. */
  readonly name: string;
  /** Plans one stage run. */
  plan(context: PruningContext): PruningPlan;
}
