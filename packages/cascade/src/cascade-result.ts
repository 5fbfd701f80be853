import type { FusedRetrievalCandidate, InferenceTimings, SieveDocument } from '@sieve/core';

/** Scores a candidate received, keyed by stage id (`retrieval` for the fused retrieval score). */
export type StageScores = Readonly<Record<string, number>>;

/** One ranked candidate of a cascade result. */
export interface RankedCandidate {
  /** The document id. */
  id: string;
  /** 0-based position in the final ranking. */
  rank: number;
  /** The score that ranked it: the score of {@link RankedCandidate.stageId}. */
  score: number;
  /** The last stage that scored this candidate. */
  stageId: string;
  /** Every score it received, by stage id. */
  scores: StageScores;
  /** The document, as `getDocuments` returned it (not copied, never changed). */
  document?: SieveDocument;
}

/** Why a stage ended: `pruned` and `deadline` mean it passed on candidates it did not score. */
export type StageStopReason = 'complete' | 'pruned' | 'deadline';

/** What one retriever did during one call. */
export interface RetrievalReport {
  /** The retriever's stage id. */
  stageId: string;
  kind: 'retrieval';
  /** The depth asked of the retriever. */
  inputCount: number;
  /** Candidates it returned (0 when the deadline passed before it answered). */
  outputCount: number;
  /** Wall time until it answered, in milliseconds. */
  wallMs: number;
  /** `deadline` when it had not answered by the deadline. */
  stopReason: 'complete' | 'deadline';
}

/** What one scoring stage did during one call. */
export interface ScoringReport {
  /** The stage id (its scorer's). */
  stageId: string;
  kind: 'score';
  /** The scorer's model. */
  modelId: string;
  /** Candidates the stage received. */
  inputCount: number;
  /** Candidates it passed on. */
  outputCount: number;
  /** (query, document) pairs actually scored. */
  pairsScored: number;
  /** Pairs not scored because a pruning policy stopped the stage (or the deadline did). */
  pairsSkipped: number;
  /** `doScore` calls made. */
  batches: number;
  /** Tokens processed, when the scorer reports them. */
  tokens?: number;
  /** Wall time of the stage, in milliseconds. */
  wallMs: number;
  /** Pairs scored per second of wall time. */
  pairsPerSecond: number;
  /** Tokens per second of wall time, when the scorer reports tokens. */
  tokensPerSecond?: number;
  /**
   * Where the scorer's time went (tokenize, pack, transfer, feed, run, return), summed over its
   * ONNX batches, when the scorer measures it (Sieve's cross-encoders do).
   */
  inference?: InferenceTimings;
  /** Why the stage ended. */
  stopReason: StageStopReason;
  /** The pruning policy that stopped the stage, if one did. */
  prunedBy?: string;
}

/** What one stage did during one call: a retriever or a scoring stage (see `kind`). */
export type StageReport = RetrievalReport | ScoringReport;

/** A non-fatal problem met during a call. */
export interface CascadeWarning {
  /** Stable kind of the warning. */
  type: 'deadline' | 'missing-document' | 'retriever-skipped';
  /** The stage concerned. */
  stageId: string;
  /** Human-readable explanation. */
  message: string;
}

/** The result of one cascade call. */
export interface CascadeResult {
  /** The query, as given. */
  query: string;
  /** The final ranking, best first, at most `topK` long. */
  candidates: RankedCandidate[];
  /**
   * The retrieval ranking the scoring stages started from (fused, at most the retrieval depth,
   * before documents were fetched), with each retriever's own score and rank per candidate.
   * Absent when the call passed `candidates` instead of retrieving.
   */
  retrieval?: FusedRetrievalCandidate[];
  /** One report per retriever and scoring stage that ran, in order. */
  reports: StageReport[];
  /** Non-fatal problems. */
  warnings: CascadeWarning[];
  /** Wall time of the whole call, in milliseconds. */
  totalMs: number;
}
