import type { LatencySummary } from '@sieve/core';
import type { MachineInfo } from '../support/machine.js';

/** What the load generator of `sieve bench serve` measured against one server, in its process. */
export interface LoadMeasurement {
  /** Seconds the load ran (autocannon's own clock). */
  seconds: number;
  /** Responses with a 2xx status. */
  responses: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Responses with any other status (429 when the queue is full). */
  non2xx: number;
  /** Latency of the 2xx responses, in milliseconds. */
  latencyMs: LatencySummary;
}

/** One cell of the serve table: documents per request x connections x batching mode. */
export interface ServeCell {
  /** Texts per request (BM25 top-N of the query). */
  documents: number;
  connections: number;
  /** Cross-request batching on (`true`) or each request its own scoring call. */
  crossRequest: boolean;
  requestsPerSecond: number;
  /** requestsPerSecond x documents. */
  pairsPerSecond: number;
  load: LoadMeasurement;
  /** RSS of the server's process when the load started and when it stopped, in bytes. */
  rssStartBytes: number;
  rssEndBytes: number;
}

/** The in-process figure a docs size is compared with: `scorePairs` on the same bodies. */
export interface ServeLibraryRow {
  documents: number;
  /** Pairs per second of `reranker.scorePairs`, one request body after another. */
  pairsPerSecond: number;
  /** The best server cell's pairs/s over this. */
  serverBestRatio: number;
}

/** What `sieve bench serve` saves. */
export interface ServeBenchResult {
  benchmark: 'serve';
  /** How it was run: `sieve bench serve --duration 10`. */
  command: string;
  date: string;
  machine: MachineInfo;
  model: string;
  dtype: string;
  modelsAreRandomWeights: boolean;
  /** Execution of the reranker (its defaults): mode, workers, threads per worker. */
  execution: { mode: string; workers: number; intraOpThreads: number } | null;
  /** Distinct queries the request bodies cycle through. */
  queries: number;
  /** SciFact abstracts (`documents`) or passages of up to 3 sentences (`passages`). */
  workload: 'documents' | 'passages';
  durationSeconds: number;
  cells: ServeCell[];
  library: ServeLibraryRow[];
}
