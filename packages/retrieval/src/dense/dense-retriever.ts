import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertDocuments,
  assertQuery,
  assertTopK,
  documentContents,
  type EmbedderV1,
  IndexFormatError,
  InvalidArgumentError,
  parseSettings,
  type RetrievedCandidate,
  type RetrieverV1,
  type RetrieverV1CallOptions,
  type SieveDocument,
  StageError,
} from '@sieve/core';
import { z } from 'zod';
import { assertKnownIds } from '../assert-known-ids.js';
import { readChecked, writeChecked } from '../persistence/atomic-file.js';
import { type HnswIndex, type HnswLib, loadHnswLib } from './hnswlib.js';

/**
 * Schema of the index settings of {@link DenseRetrieverSettings}: the part saved with the index
 * (the embedder and the `hnswlib-node` module are objects, passed beside it).
 */
export const denseRetrieverSettingsSchema = z.strictObject({
  /** @default 'dense' */
  stageId: z.string().min(1).default('dense'),
  /** `cosine` (vectors normalized) or inner product. @default 'cosine' */
  space: z.enum(['cosine', 'ip']).default('cosine'),
  /**
   * HNSW links per node. The defaults (M 32, efConstruction 400, efSearch 1000) reach recall@10
   * >= 0.99 against exact search even on crowded embeddings (BENCHMARKS.md); lower them for speed
   * on large corpora with well-spread embeddings.
   * @default 32
   */
  m: z.number().int().min(2).default(32),
  /** @default 400 */
  efConstruction: z.number().int().positive().default(400),
  /** Candidate list size at query time (at least topK is used). @default 1000 */
  efSearch: z.number().int().positive().default(1000),
  /** @default 100 */
  seed: z.number().int().default(100),
  /** `hnsw`, or `exact` (flat scan: small corpora, and the reference for recall). @default 'hnsw' */
  search: z.enum(['hnsw', 'exact']).default('hnsw'),
  /** Texts per embedder call while indexing. @default 64 */
  embedBatchSize: z.number().int().positive().default(64),
});

/** Settings of {@link createDenseRetriever}: the index settings, the embedder and, optionally, hnswlib. */
export type DenseRetrieverSettings = z.input<typeof denseRetrieverSettingsSchema> & {
  /** Embeds documents and queries: any {@link EmbedderV1}, e.g. `createOnnxEmbedder` of `@sieve/onnx`. */
  embedder: EmbedderV1;
  /** An `hnswlib-node` module to use instead of importing it. */
  hnswlib?: HnswLib;
};

/** A dense retriever over an HNSW index (and an exact flat scan). */
export interface DenseRetriever extends RetrieverV1 {
  /** Embeds and indexes documents (title and text). A duplicate id throws and adds nothing. */
  add(documents: readonly SieveDocument[]): Promise<void>;
  /** Indexes precomputed vectors. A wrong dimension or duplicate id throws and adds nothing. */
  addVectors(items: ReadonlyArray<{ id: string; vector: ArrayLike<number> }>): Promise<void>;
  /** Removes ids; an unknown id throws and removes nothing. */
  remove(ids: readonly string[]): void;
  /** Nearest neighbours of a vector, by HNSW or by exact scan. */
  searchVector(
    vector: ArrayLike<number>,
    topK: number,
    mode?: 'hnsw' | 'exact',
  ): RetrievedCandidate[];
  /**
   * A copy of the vector indexed for `id` (normalized when the space is `cosine`), or `undefined`
   * for an id it does not hold: to reuse the embeddings elsewhere (another index, a database).
   */
  getVector(id: string): Float32Array | undefined;
  readonly size: number;
  readonly dimensions: number;
  /** Saves into a folder: the HNSW graph, the vectors and the ids, checksummed. */
  save(folder: string): Promise<void>;
  doRetrieve(options: RetrieverV1CallOptions): Promise<RetrievedCandidate[]>;
}

const component = 'retrieval';
const FORMAT = 'sieve-dense';
const VERSION = 1;

interface SavedDense {
  settings: z.output<typeof denseRetrieverSettingsSchema>;
  dimensions: number;
  ids: (string | null)[];
  vectorsSha256: string;
  graphSha256: string;
  /**
   * The data files, named by their content (`vectors.<sha>.f32`, `hnsw.<sha>.bin`); absent in
   * indexes saved before they were (then `vectors.f32` and `hnsw.bin`).
   */
  vectorsFile?: string;
  graphFile?: string;
}

/**
 * Creates a dense retriever: documents are embedded with `embedder` and indexed in an HNSW graph
 * (`hnswlib-node`, imported on first use).
 *
 * @example
 * ```ts
 * const embedder = await createOnnxEmbedder({ model: 'Xenova/all-MiniLM-L6-v2' }); // @sieve/onnx
 * const dense = await createDenseRetriever({ embedder });
 * await dense.add(corpus);
 * await dense.doRetrieve({ query: 'aspirin', topK: 10 });
 * ```
 */
export async function createDenseRetriever(
  settings: DenseRetrieverSettings,
): Promise<DenseRetriever> {
  const { embedder, hnswlib, ...rest } = settings;
  if (!embedder || typeof embedder.doEmbed !== 'function' || !(embedder.dimensions > 0)) {
    throw new InvalidArgumentError({
      component,
      argument: 'embedder',
      message: 'pass an EmbedderV1 (for example createOnnxEmbedder(...)) as embedder',
    });
  }
  const parsed = parseSettings(denseRetrieverSettingsSchema, rest, { component });
  return build(parsed, embedder, await loadHnswLib(hnswlib));
}

/** A file name in the index folder itself: no separator, no `..`. */
const isPlainFileName = (name: unknown): name is string =>
  typeof name === 'string' && /^[\w.-]+$/.test(name) && name !== '.' && name !== '..';

/** Loads a dense retriever saved with `save()`; a bad or foreign folder throws `IndexFormatError`. */
export async function loadDenseRetriever(
  folder: string,
  options: { embedder: EmbedderV1; hnswlib?: HnswLib },
): Promise<DenseRetriever> {
  const saved = (await readChecked(
    join(folder, 'dense.json'),
    FORMAT,
    VERSION,
    component,
  )) as SavedDense;
  const fail = (message: string): never => {
    throw new IndexFormatError({ component, path: folder, message });
  };
  if (saved.dimensions !== options.embedder.dimensions) {
    fail(
      `the index holds ${saved.dimensions}-dimensional vectors but the embedder makes ${options.embedder.dimensions}; use the embedder the index was built with`,
    );
  }
  const vectorsFile = saved.vectorsFile ?? 'vectors.f32';
  const graphFile = saved.graphFile ?? 'hnsw.bin';
  if (!isPlainFileName(vectorsFile) || !isPlainFileName(graphFile))
    fail(`${folder}/dense.json names data files outside the folder`);
  const vectorBytes = await readFile(join(folder, vectorsFile)).catch(() =>
    fail(`${folder}/${vectorsFile} is missing`),
  );
  const graphBytes = await readFile(join(folder, graphFile)).catch(() =>
    fail(`${folder}/${graphFile} is missing`),
  );
  const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
  if (sha(vectorBytes) !== saved.vectorsSha256 || sha(graphBytes) !== saved.graphSha256)
    fail(`${folder} is corrupt (checksum mismatch); rebuild the index`);
  const vectors = new Float32Array(
    vectorBytes.buffer.slice(
      vectorBytes.byteOffset,
      vectorBytes.byteOffset + vectorBytes.byteLength,
    ),
  );
  if (vectors.length !== saved.ids.length * saved.dimensions)
    fail(`${folder}/${vectorsFile} has the wrong size`);
  const retriever = build(saved.settings, options.embedder, await loadHnswLib(options.hnswlib), {
    saved,
    vectors,
    graphPath: join(folder, graphFile),
  });
  return retriever;
}

async function build(
  settings: z.output<typeof denseRetrieverSettingsSchema>,
  embedder: EmbedderV1,
  hnswlib: HnswLib,
  restore?: { saved: SavedDense; vectors: Float32Array; graphPath: string },
): Promise<DenseRetriever> {
  const dimensions = embedder.dimensions;
  const index: HnswIndex = new hnswlib.HierarchicalNSW(settings.space, dimensions);
  const idsByLabel: (string | null)[] = [];
  const labelOf = new Map<string, number>();
  const vectors: Float32Array[] = [];
  let live = 0;
  if (restore) {
    await index.readIndex(restore.graphPath, false);
    restore.saved.ids.forEach((id, label) => {
      idsByLabel.push(id);
      vectors.push(restore.vectors.subarray(label * dimensions, (label + 1) * dimensions));
      if (id !== null) {
        labelOf.set(id, label);
        live += 1;
      }
    });
  } else {
    index.initIndex(1024, settings.m, settings.efConstruction, settings.seed);
  }

  const prepare = (vector: ArrayLike<number>, where: string): Float32Array => {
    if (vector.length !== dimensions) {
      throw new InvalidArgumentError({
        component,
        argument: where,
        message: `${where} has ${vector.length} dimensions; this index holds ${dimensions}`,
      });
    }
    const copy = Float32Array.from(vector);
    if (settings.space === 'cosine') {
      let norm = 0;
      for (const value of copy) norm += value * value;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let unit = 0; unit < copy.length; unit++) copy[unit]! *= scale;
    }
    if (!copy.every(Number.isFinite)) {
      throw new InvalidArgumentError({
        component,
        argument: where,
        message: `${where} holds a non-finite number`,
      });
    }
    return copy;
  };

  const insert = (items: ReadonlyArray<{ id: string; vector: ArrayLike<number> }>): void => {
    const seen = new Set<string>();
    const ready = items.map((item, position) => {
      if (labelOf.has(item.id) || seen.has(item.id)) {
        throw new InvalidArgumentError({
          component,
          argument: `items[${position}].id`,
          message: `document '${item.id}' is already indexed; remove it first to replace it`,
        });
      }
      seen.add(item.id);
      return { id: item.id, vector: prepare(item.vector, `vector of '${item.id}'`) };
    });
    const needed = idsByLabel.length + ready.length;
    if (needed > index.getMaxElements())
      index.resizeIndex(Math.max(needed, index.getMaxElements() * 2));
    for (const { id, vector } of ready) {
      const label = idsByLabel.length;
      index.addPoint(Array.from(vector), label);
      idsByLabel.push(id);
      vectors.push(vector);
      labelOf.set(id, label);
      live += 1;
    }
  };

  const searchVector = (
    vector: ArrayLike<number>,
    topK: number,
    mode = settings.search,
  ): RetrievedCandidate[] => {
    if (live === 0) return [];
    const query = prepare(vector, 'query vector');
    const k = Math.min(topK, live);
    if (mode === 'exact') {
      const scored: RetrievedCandidate[] = [];
      vectors.forEach((candidate, label) => {
        const id = idsByLabel[label];
        if (id == null) return;
        let dot = 0;
        for (let unit = 0; unit < dimensions; unit++) dot += candidate[unit]! * query[unit]!;
        scored.push({ id, score: dot });
      });
      return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
    }
    index.setEf(Math.max(settings.efSearch, k));
    const { distances, neighbors } = index.searchKnn(Array.from(query), k);
    return neighbors
      .map((label, position) => ({ id: idsByLabel[label]!, score: 1 - distances[position]! }))
      .filter((candidate) => candidate.id !== null)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  };

  const embed = async (
    texts: string[],
    abortSignal?: AbortSignal,
  ): Promise<readonly Float32Array[]> => {
    let result: Awaited<ReturnType<EmbedderV1['doEmbed']>>;
    try {
      result = await embedder.doEmbed({ texts, ...(abortSignal ? { abortSignal } : {}) });
    } catch (error) {
      if (abortSignal?.aborted) throw abortSignal.reason;
      throw new StageError({
        component,
        stageId: settings.stageId,
        message: `embedder '${embedder.modelId}' failed: ${(error as Error).message}`,
        cause: error,
      });
    }
    if (result.embeddings.length !== texts.length) {
      throw new StageError({
        component,
        stageId: settings.stageId,
        message: `embedder '${embedder.modelId}' returned ${result.embeddings.length} vectors for ${texts.length} texts`,
      });
    }
    return result.embeddings;
  };

  return {
    specificationVersion: 'v1',
    stageId: settings.stageId,
    dimensions,
    getVector(id) {
      const label = typeof id === 'string' ? labelOf.get(id) : undefined;
      return label === undefined ? undefined : Float32Array.from(vectors[label]!);
    },
    get size() {
      return live;
    },
    async add(documents) {
      assertDocuments(documents, component, { allowEmpty: true });
      const duplicate = documents.find((document) => labelOf.has(document.id));
      if (duplicate) {
        throw new InvalidArgumentError({
          component,
          argument: 'documents',
          message: `document '${duplicate.id}' is already indexed; remove it first to replace it`,
        });
      }
      // Embed everything first, then insert: a failure part-way adds nothing.
      const items: { id: string; vector: Float32Array }[] = [];
      for (let start = 0; start < documents.length; start += settings.embedBatchSize) {
        const batch = documents.slice(start, start + settings.embedBatchSize);
        const vectorsOfBatch = await embed(batch.map(documentContents));
        for (const [position, document] of batch.entries()) {
          items.push({ id: document.id, vector: vectorsOfBatch[position]! });
        }
      }
      insert(items);
    },
    async addVectors(items) {
      insert(items);
    },
    remove(ids) {
      assertKnownIds(ids, (id) => labelOf.has(id), component);
      for (const id of new Set(ids)) {
        const label = labelOf.get(id)!;
        index.markDelete(label);
        idsByLabel[label] = null;
        labelOf.delete(id);
        live -= 1;
      }
    },
    searchVector,
    async doRetrieve(options) {
      options.abortSignal?.throwIfAborted();
      const query = assertQuery(options.query, component);
      const topK = assertTopK(options.topK, component);
      if (live === 0) return [];
      const [vector] = await embed([query], options.abortSignal);
      return searchVector(vector!, topK);
    },
    async save(folder) {
      // Crash-safe: the data files are written under names of their content, then dense.json
      // (atomic) points at them, and only then are the previous files deleted. A kill at any
      // point leaves the previous dense.json with the files it names, or the new one with its.
      await mkdir(folder, { recursive: true });
      const all = new Float32Array(idsByLabel.length * dimensions);
      for (const [label, vector] of vectors.entries()) all.set(vector, label * dimensions);
      const vectorBytes = Buffer.from(all.buffer);
      const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
      const graphTemporary = join(folder, `hnsw.bin.${process.pid}.${Date.now()}.tmp`);
      const vectorTemporary = join(folder, `vectors.f32.${process.pid}.${Date.now()}.tmp`);
      try {
        await index.writeIndex(graphTemporary);
        const graphBytes = await readFile(graphTemporary);
        await writeFile(vectorTemporary, vectorBytes);
        const graphSha256 = sha(graphBytes);
        const vectorsSha256 = sha(vectorBytes);
        const graphFile = `hnsw.${graphSha256.slice(0, 16)}.bin`;
        const vectorsFile = `vectors.${vectorsSha256.slice(0, 16)}.f32`;
        await rename(graphTemporary, join(folder, graphFile));
        await rename(vectorTemporary, join(folder, vectorsFile));
        await writeChecked(join(folder, 'dense.json'), FORMAT, VERSION, {
          settings,
          dimensions,
          ids: idsByLabel,
          vectorsSha256,
          graphSha256,
          vectorsFile,
          graphFile,
        } satisfies SavedDense);
        // The previous version's data files (and the names used before content naming).
        const keep = new Set([graphFile, vectorsFile]);
        const stale = (await readdir(folder)).filter(
          (name) =>
            !keep.has(name) &&
            (/^hnsw\.[0-9a-f]{16}\.bin$/.test(name) ||
              /^vectors\.[0-9a-f]{16}\.f32$/.test(name) ||
              name === 'hnsw.bin' ||
              name === 'vectors.f32'),
        );
        await Promise.all(stale.map((name) => rm(join(folder, name), { force: true })));
      } finally {
        await rm(graphTemporary, { force: true });
        await rm(vectorTemporary, { force: true });
      }
    },
  };
}
