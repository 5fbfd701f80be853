import type { EmbedderV1, SieveDocument } from '@sieve/core';
import { ensurePgSchema, type LoadPgCorpusProgress, loadPgCorpus } from '@sieve/postgres';
import type { Progress } from '../support/progress.js';

/** Options of {@link indexCorpus}: where to write, what, and the HNSW index's shape. */
export interface IndexCorpusOptions {
  /** A `postgres://` or `postgresql://` URL. */
  connectionString: string;
  /** `name` or `schema.name`; created if absent. */
  table: string;
  documents: readonly SieveDocument[];
  /** Embeds the documents that are not in the table yet. */
  embedder: EmbedderV1;
  /** @default 'cosine' */
  distance?: 'cosine' | 'inner-product' | 'l2';
  /** HNSW links per node. @default 16 */
  m?: number;
  /** HNSW candidate list while building. @default 64 */
  efConstruction?: number;
  /** Documents per embedder call and INSERT. @default 256 */
  batchSize?: number;
  /** Ticks once per document handled (inserted or skipped). */
  progress?: Progress;
  /** Stops between batches; what was written stays, and a later call resumes. */
  abortSignal?: AbortSignal;
}

/** What {@link indexCorpus} did and how long each part took. */
export interface IndexCorpusResult {
  inserted: number;
  /** Documents already in the table (an earlier, maybe interrupted, run wrote them). */
  skipped: number;
  /** The schema (table, GIN index) without the HNSW index. */
  schemaSeconds: number;
  /** The batches: existence checks, embedding of what is missing, INSERTs. */
  loadSeconds: number;
  /** `CREATE INDEX ... USING hnsw` over the loaded rows (near 0 when it already existed). */
  indexSeconds: number;
}

/**
 * `sieve index`'s work, also what `sieve bench postgres` loads through: the table without its
 * HNSW index (`ensurePgSchema`, idempotent), the documents in batches (`loadPgCorpus`: ids already
 * present are skipped without being embedded, so a re-run or a resumed run adds only what is
 * missing), then the HNSW index over the loaded rows. Building the index once after the load is
 * faster than growing it row by row (`sieve bench postgres` measures both). A table that already
 * has its index (a later run that adds documents) keeps it and the rows go into it.
 *
 * @example
 * ```ts
 * await indexCorpus({ connectionString, table: 'docs', documents, embedder });
 * ```
 */
export async function indexCorpus(options: IndexCorpusOptions): Promise<IndexCorpusResult> {
  const { connectionString, table, embedder, progress } = options;
  const shape = {
    connectionString,
    table,
    dimensions: embedder.dimensions,
    distance: options.distance ?? 'cosine',
    m: options.m ?? 16,
    efConstruction: options.efConstruction ?? 64,
  } as const;
  const schemaStart = performance.now();
  await ensurePgSchema({ ...shape, vectorIndex: false });
  const loadStart = performance.now();
  let done = 0;
  const { inserted, skipped } = await loadPgCorpus({
    connectionString,
    table,
    embedder,
    documents: options.documents,
    batchSize: options.batchSize ?? 256,
    onProgress: (step: LoadPgCorpusProgress) => {
      progress?.tick(step.done - done);
      done = step.done;
    },
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  });
  const indexStart = performance.now();
  await ensurePgSchema({ ...shape, vectorIndex: true });
  const end = performance.now();
  return {
    inserted,
    skipped,
    schemaSeconds: (loadStart - schemaStart) / 1000,
    loadSeconds: (indexStart - loadStart) / 1000,
    indexSeconds: (end - indexStart) / 1000,
  };
}
