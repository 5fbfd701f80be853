import type { MachineInfo } from '../support/machine.js';

/** One RSS reading of a soak phase. */
export interface RssSample {
  /** Queries answered (or create/dispose cycles done) when it was read. */
  step: number;
  /** Seconds since the phase started. */
  seconds: number;
  /** `process.memoryUsage().rss`: the process, its ONNX sessions and its worker threads. */
  rssBytes: number;
  /** V8 heap in use on the main thread (after the collection), for telling JS from native growth. */
  heapUsedBytes: number;
}

/** The RSS verdict of one phase: growth from the end of its first 10% to its end. */
export interface RssVerdict {
  /** Median RSS of the samples between 5% and 15% of the steps (the warm-up is over). */
  baselineBytes: number;
  /** Median RSS of the samples in the last 10% of the steps. */
  endBytes: number;
  /** (end - baseline) / baseline. */
  growth: number;
  /** Growth under the limit and no error. */
  passed: boolean;
}

/** One phase of `sieve bench soak`. */
export interface SoakPhase extends RssVerdict {
  /**
   * `library`: `cascade.search` in this process; `server`: `POST /search` to `createServer` on
   * the same cascade; `cycles`: cross-encoders created, used once and disposed.
   */
  name: 'library' | 'server' | 'cycles';
  /** Steps asked: queries, or cycles. */
  steps: number;
  /** Steps that succeeded. */
  completed: number;
  /** Steps that threw, or requests answered other than 200. */
  errors: number;
  /** The first error's message. */
  firstError?: string;
  /** Wall time of the phase. */
  seconds: number;
  samples: RssSample[];
}

/** What `sieve bench soak` saves. */
export interface SoakBenchResult {
  benchmark: 'soak';
  /** How it was run: `sieve bench soak --tiny --queries 300 --cycles 40`. */
  command: string;
  date: string;
  machine: MachineInfo;
  prefilter: string;
  reranker: string;
  modelsAreRandomWeights: boolean;
  /** Distinct SciFact test queries the phases cycle through. */
  distinctQueries: number;
  /** Queries per query phase. */
  queries: number;
  /** BM25 candidates per query (what the prefilter scores). */
  depth: number;
  /** Candidates the prefilter keeps for the reranker. */
  prefilterTopK: number;
  /** Results per query. */
  topK: number;
  /** Create/dispose cycles of the cycles phase. */
  cycles: number;
  /** Concurrent requests of the server phase. */
  concurrency: number;
  /** Growth limit of every phase (0.05: 5%). */
  maxGrowth: number;
  phases: SoakPhase[];
  /** Every phase passed. */
  passed: boolean;
}
