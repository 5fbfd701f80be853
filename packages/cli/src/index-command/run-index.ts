import { createOnnxEmbedder, type Dtype } from '@sieve/onnx';
import type { CliContext } from '../support/cli-context.js';
import { chooseModels } from '../support/model-choice.js';
import { readCorpus } from '../support/read-corpus.js';
import { type IndexCorpusOptions, type IndexCorpusResult, indexCorpus } from './index-corpus.js';

/** Options of {@link runIndex} (the flags of `sieve index`). */
export interface IndexOptions
  extends Pick<IndexCorpusOptions, 'table' | 'distance' | 'm' | 'efConstruction' | 'batchSize'> {
  /** A BEIR folder (its `corpus.jsonl`) or a JSONL file of `{ _id, title?, text, metadata? }`. */
  corpus: string;
  /** The database URL (`--pg`). */
  connectionString: string;
  /**
   * The bi-encoder: a model folder or a hub id.
   * @default `<models>/all-MiniLM-L6-v2-real`, else the hub's `Xenova/all-MiniLM-L6-v2`
   */
  embedder?: string;
  /** @default 'fp32' */
  embedderDtype?: Dtype;
  /** Stops between batches (a later run resumes). */
  abortSignal?: AbortSignal;
}

/** What `sieve index` did. */
export interface IndexResult extends IndexCorpusResult {
  table: string;
  corpus: string;
  documents: number;
  embedder: string;
  /** Inserted documents per second of the load, embedding included. */
  documentsPerSecond: number;
}

/** The bi-encoder `sieve index` uses when `--embedder` is not given. */
export function indexEmbedder(
  context: Pick<CliContext, 'modelsDir' | 'modelsGiven'>,
  value: string | undefined,
): string {
  return chooseModels(
    context,
    {
      embedder: {
        flag: 'embedder',
        value,
        name: 'all-MiniLM-L6-v2-real',
        hubId: 'Xenova/all-MiniLM-L6-v2',
        needed: true,
      },
    },
    { preferLocal: true },
  ).embedder!;
}

/**
 * `sieve index`: embeds a corpus and loads it into a pgvector table (created if absent), with a
 * progress bar; resumable ({@link indexCorpus}).
 *
 * @example
 * ```ts
 * await runIndex(context, { corpus: '../shared/datasets/scifact', connectionString, table: 'docs' });
 * ```
 */
export async function runIndex(context: CliContext, options: IndexOptions): Promise<IndexResult> {
  const documents = await readCorpus(options.corpus, { metadata: true });
  const model = indexEmbedder(context, options.embedder);
  const embedder = await createOnnxEmbedder({ model, dtype: options.embedderDtype ?? 'fp32' });
  const progress = context.progress('index', documents.length);
  let result: IndexCorpusResult;
  try {
    result = await indexCorpus({ ...options, documents, embedder, progress });
  } finally {
    progress.done();
    await embedder.dispose();
  }
  const documentsPerSecond = result.inserted / Math.max(result.loadSeconds, 1e-9);
  context.print(
    `${options.table}: ${result.inserted} documents inserted, ${result.skipped} already there (of ${documents.length} in ${options.corpus}); load ${result.loadSeconds.toFixed(1)} s (${documentsPerSecond.toFixed(1)} documents/s, embedding with ${model} included), HNSW index ${result.indexSeconds.toFixed(1)} s`,
  );
  return {
    table: options.table,
    corpus: options.corpus,
    documents: documents.length,
    embedder: model,
    ...result,
    documentsPerSecond,
  };
}
