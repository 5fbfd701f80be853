import type { CascadeConfigModel } from '@sieve/cascade';
import type { LatencySummary } from '@sieve/core';
import type { MachineInfo } from '../support/machine.js';
import type { ScorerCost } from './score-candidates.js';

/** What the chosen cascade must meet: a floor on top-k overlap, or a latency budget. */
export type TuneTarget = { minAgreement: number } | { budgetMs: number };

/** One shape `sieve tune` replayed: its agreement with the full rerank and its estimated cost. */
export interface TunedShape {
  /** As `sieve eval --shapes` writes it (`tiny`: the prefilter, `minilm`: the reranker). */
  shape: string;
  /** Mean over the sample of |top k ∩ the reference's top k| / k. */
  overlap: number;
  /** Mean rank-biased overlap (p 0.9) with the reference's top k. */
  rbo: number;
  /** Mean nDCG@10 over the judged sample queries; null without judgments. */
  ndcgAt10: number | null;
  /** Pairs scored per query, by model name (`prefilter`, `reranker`). */
  pairsPerQuery: Record<string, number>;
  /** `doScore` calls per query, by model name. */
  callsPerQuery: Record<string, number>;
  /** Estimated mean wall time per query on this machine, in milliseconds. */
  estimatedMs: number;
  /** `estimatedMs` over the reference's. */
  costFraction: number;
  /** On the frontier of estimated cost against overlap. */
  onFrontier: boolean;
}

/** The chosen cascade, built from the written configuration and run on the sample. */
export interface TuneVerification {
  /** Measured top-k overlap with the reference (its replayed value is the chosen shape's). */
  overlap: number;
  rbo: number;
  ndcgAt10: number | null;
  /** Per-query wall time of the cascade, measured (after one warm-up query). */
  latencyMs: LatencySummary;
  /** The chosen shape's estimate, for comparison. */
  estimatedMs: number;
}

/** What `sieve tune` saves and returns. */
export interface TuneResult {
  command: 'tune';
  /** When it ran (ISO 8601). */
  date: string;
  machine: MachineInfo;
  /** The dataset folder, or the corpus and queries files. */
  input: string;
  /** The BEIR split whose queries and judgments were used; null without. */
  split: string | null;
  documents: number;
  /** Sample queries tuned on. */
  queries: number;
  /** Queries the input had. */
  availableQueries: number;
  k: number;
  maxDepth: number;
  target: TuneTarget;
  /** The models as the configuration names them. */
  models: { reranker: CascadeConfigModel; prefilter: CascadeConfigModel | null };
  /** True when a model is a generated random-weight export: agreement figures mean nothing. */
  modelsAreRandomWeights: boolean;
  /** Measured on this machine: BM25 per query, and each model's cost per call and per pair. */
  cost: { retrievalMs: number; reranker: ScorerCost; prefilter: ScorerCost | null };
  /** The reference (the reranker over `maxDepth`, unpruned). */
  reference: string;
  /** Every shape replayed, in the order tried. */
  shapes: TunedShape[];
  /** The shape written to `config`. */
  chosen: string;
  /**
   * With judgments (`--split`): the shape the labels would choose on the same sample, the
   * cheapest (estimated) whose nDCG@10 is at least 99% of the reference's; null without
   * judgments. Compare it with `chosen` to see whether the label-free choice matches.
   */
  labelledChoice: string | null;
  verified: TuneVerification;
  /** Where the configuration was written. */
  config: string;
  /** The frontier chart, by kind. */
  files: Record<string, string>;
}
