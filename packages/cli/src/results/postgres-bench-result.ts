import type { LatencySummary } from '@sieve/core';
import type { MachineInfo } from '../support/machine.js';
import type { ShapeEvaluation } from './evaluation-result.js';

/** One load of the corpus into a table. */
export interface PostgresLoadRow {
  /** What was measured: `index after the load`, `index during the load`, `embedding included`. */
  label: string;
  documents: number;
  /** Whether the embedder ran inside the timed load (false: vectors computed beforehand). */
  embeddingIncluded: boolean;
  loadSeconds: number;
  documentsPerSecond: number;
  /** HNSW build over the loaded rows; null when the index grew during the load. */
  indexSeconds: number | null;
}

/** Recall@10 against exact search and latency of one `ef_search`, pgvector beside hnswlib. */
export interface PostgresRecallRow {
  efSearch: number;
  pgvector: { recallAt10: number; latencyMs: LatencySummary };
  hnswlib: { recallAt10: number; latencyMs: LatencySummary };
}

/** Latency and throughput of pgvector searches from concurrent clients. */
export interface PostgresConcurrencyRow {
  clients: number;
  efSearch: number;
  requests: number;
  queriesPerSecond: number;
  latencyMs: LatencySummary;
}

/** nDCG@10 (and latency) of a first-stage retriever over the judged queries. */
export interface PostgresLexicalRow {
  retriever: string;
  ndcgAt10: number;
  recallAt100: number;
  latencyMs: LatencySummary;
}

/** What `sieve bench postgres` saves. */
export interface PostgresBenchResult {
  benchmark: 'postgres';
  command: string;
  machine: MachineInfo;
  server: { url: string; version: string; pgvector: string; throwaway: boolean };
  dataset: string;
  documents: number;
  queries: number;
  embedder: string;
  /** How the corpus vectors were had: loaded from the dense-index cache, or embedded this run. */
  vectors: { cached: boolean; seconds: number; folder: string };
  hnsw: { m: number; efConstruction: number; indexBytes: number; tableBytes: number };
  loads: PostgresLoadRow[];
  /** Top-10 overlap of PostgreSQL's exact search with an exact scan in JavaScript. */
  exactAgreementAt10: number;
  /** The in-process HNSW (same m, efConstruction, vectors) build time. */
  hnswlibBuildMs: number;
  recall: PostgresRecallRow[];
  concurrency: PostgresConcurrencyRow[];
  lexical: PostgresLexicalRow[];
  cascade: {
    shape: string;
    reranker: string;
    /**
     * Each shape with PostgreSQL retrieval (pgvector + full-text), with pgvector + Sieve's BM25,
     * and in process (hnswlib + BM25).
     */
    rows: Array<{
      retrieval: 'postgres' | 'pgvector + bm25' | 'in-process';
      evaluation: Omit<ShapeEvaluation, 'stats' | 'topIds'>;
    }>;
  } | null;
  seconds: number;
  /** The 1-minute load average at the start and the end: other work on the cores shows here. */
  loadAverage: { start: number; end: number };
}
