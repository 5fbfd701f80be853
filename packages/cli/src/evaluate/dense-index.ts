import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  documentContents,
  type EmbedderV1,
  IndexFormatError,
  type SieveDocument,
} from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import { createDenseRetriever, type DenseRetriever, loadDenseRetriever } from '@sieve/retrieval';
import type { Progress } from '../support/progress.js';

/** Options of {@link loadOrBuildDenseIndex}. */
export interface DenseIndexOptions {
  /** The bi-encoder, already loaded: it embeds the corpus (on a miss) and every query. */
  embedder: EmbedderV1;
  /** The embedder's folder (absolute) or hub id, as chosen: part of the cache key. */
  model: string;
  /** The embedder's weights: part of the cache key. */
  dtype: Dtype;
  /** The dataset folder: part of the cache key. */
  dataset: string;
  corpus: readonly SieveDocument[];
  /** Folder of the cached indexes, one sub-folder per key (`<root>/.cache/indexes`). */
  cacheFolder: string;
  /** Ticks once per embedded document. */
  progress?: Progress;
  /** Says that a cached index could not be read and is rebuilt. */
  warn?: (line: string) => void;
}

/** A dense index over the corpus, and how this run got it. */
export interface DenseIndex {
  dense: DenseRetriever;
  /** True when this run embedded the corpus; false when it loaded the cached index. */
  built: boolean;
  /** Embedding and HNSW build time when built; load time otherwise. */
  seconds: number;
  /** Embedding time alone (0 when loaded). */
  embedSeconds: number;
  /** The index's cache folder. */
  folder: string;
}

/** Texts per embedder call while indexing (the dense retriever's own default). */
const embedBatchSize = 64;

/**
 * The cache key of a dense index: the embedder (folder or hub id; for a folder, the size and time
 * of each file under `onnx/`, so regenerated weights are a new key), its dtype, the dataset folder,
 * the corpus size and a digest of the documents' ids and texts.
 */
export function denseIndexKey(
  options: Pick<DenseIndexOptions, 'model' | 'dtype' | 'dataset' | 'corpus'>,
): { hash: string; key: Record<string, unknown> } {
  const onnxFolder = join(options.model, 'onnx');
  const weights =
    isAbsolute(options.model) && existsSync(onnxFolder)
      ? readdirSync(onnxFolder)
          .sort()
          .map((file) => {
            const stat = statSync(join(onnxFolder, file));
            return `${file}:${stat.size}:${Math.round(stat.mtimeMs)}`;
          })
      : [];
  const corpus = createHash('sha256');
  for (const document of options.corpus) {
    corpus.update(document.id).update('\u0000').update(documentContents(document)).update('\u0000');
  }
  const key = {
    format: 'sieve-eval-dense-index/1',
    embedder: options.model,
    weights,
    dtype: options.dtype,
    dataset: options.dataset,
    documents: options.corpus.length,
    corpusSha256: corpus.digest('hex'),
  };
  const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  return { hash, key };
}

/**
 * The dense retriever of an evaluation run: loaded from `<cacheFolder>/<key>/` when an earlier run
 * saved it there ({@link denseIndexKey}), else built (the corpus embedded in batches, ticking
 * `progress`, then indexed in HNSW with the retriever's defaults) and saved there with the dense
 * retriever's own `save()`. A cached index that cannot be read is rebuilt.
 *
 * @example
 * ```ts
 * const { dense, built } = await loadOrBuildDenseIndex({
 *   embedder, model, dtype: 'fp32', dataset, corpus, cacheFolder: '.cache/indexes',
 * });
 * ```
 */
export async function loadOrBuildDenseIndex(options: DenseIndexOptions): Promise<DenseIndex> {
  const { embedder, corpus, progress } = options;
  const { hash, key } = denseIndexKey(options);
  const folder = join(options.cacheFolder, hash);
  const started = performance.now();
  if (existsSync(join(folder, 'dense.json'))) {
    try {
      const dense = await loadDenseRetriever(folder, { embedder });
      progress?.tick(corpus.length);
      return {
        dense,
        built: false,
        seconds: (performance.now() - started) / 1000,
        embedSeconds: 0,
        folder,
      };
    } catch (error) {
      if (!IndexFormatError.isInstance(error)) throw error;
      options.warn?.(`[sieve] rebuilding the dense index in ${folder}: ${error.message}`);
    }
  }
  // Embedded here rather than by dense.add(), batch by batch, so the progress bar moves.
  const items: Array<{ id: string; vector: Float32Array }> = [];
  for (let start = 0; start < corpus.length; start += embedBatchSize) {
    const batch = corpus.slice(start, start + embedBatchSize);
    const { embeddings } = await embedder.doEmbed({ texts: batch.map(documentContents) });
    batch.forEach((document, position) => {
      items.push({ id: document.id, vector: embeddings[position]! });
    });
    progress?.tick(batch.length);
  }
  const embedSeconds = (performance.now() - started) / 1000;
  const dense = await createDenseRetriever({ embedder });
  await dense.addVectors(items);
  const seconds = (performance.now() - started) / 1000;
  await dense.save(folder);
  // What the folder holds, for whoever looks into .cache (the loader does not read it).
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'key.json'), `${JSON.stringify(key, null, 2)}\n`);
  return { dense, built: true, seconds, embedSeconds, folder };
}
