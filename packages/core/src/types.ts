/** A document of the corpus. The cascade reads `text`; `metadata` is passed through untouched. */
export interface SieveDocument {
  /** Unique id. */
  id: string;
  /** The text scorers read. */
  text: string;
  /** Optional title; retrievers may index it as a field. */
  title?: string;
  /** Caller data, never read or changed by Sieve. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Supplies document texts to the cascade. Returns one entry per id, in order; `undefined` for an
 * id it does not know (the cascade drops that candidate with a warning).
 */
export type GetDocuments = (
  ids: readonly string[],
) => PromiseLike<ReadonlyArray<SieveDocument | undefined>>;

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

/** Why a scoring stage scored fewer candidates than it was given. */
export type StageStopReason = 'complete' | 'pruned' | 'deadline';

/** What one stage did during one call. */
export interface StageReport {
  /** The stage id. */
  stageId: string;
  /** `retrieval` or `score`. */
  kind: 'retrieval' | 'score';
  /** The model, for scoring stages. */
  modelId?: string;
  /** Candidates the stage received (for retrieval: the depth asked of each retriever). */
  inputCount: number;
  /** Candidates it passed on. */
  outputCount: number;
  /** (query, document) pairs actually scored. */
  pairsScored: number;
  /** Pairs not scored because a pruning policy stopped the stage (or the deadline did). */
  pairsSkipped: number;
  /** Batches sent to the scorer. */
  batches: number;
  /** Tokens processed, when the scorer reports them. */
  tokens?: number;
  /** Wall time of the stage, in milliseconds. */
  wallMs: number;
  /** Pairs scored per second of wall time. */
  pairsPerSecond: number;
  /** Tokens per second of wall time, when the scorer reports tokens. */
  tokensPerSecond?: number;
  /** Why the stage ended. */
  stopReason: StageStopReason;
  /** The pruning policy that stopped the stage, if one did. */
  prunedBy?: string;
}

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
  /** One report per stage that ran, in order. */
  reports: StageReport[];
  /** Non-fatal problems. */
  warnings: CascadeWarning[];
  /** Wall time of the whole call, in milliseconds. */
  totalMs: number;
}
