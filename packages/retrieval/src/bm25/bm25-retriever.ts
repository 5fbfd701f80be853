import {
  assertDocuments,
  assertQuery,
  assertTopK,
  documentContents,
  IndexFormatError,
  InvalidArgumentError,
  parseSettings,
  type RetrievedCandidate,
  type RetrieverV1,
  type RetrieverV1CallOptions,
  type SieveDocument,
} from '@sieve/core';
import { z } from 'zod';
import { assertKnownIds } from '../assert-known-ids.js';
import { readChecked, writeChecked } from '../persistence/atomic-file.js';
import { type Analyzer, analyzerSettingsSchema, createAnalyzer } from './analyzer.js';

/** Schema of {@link Bm25RetrieverSettings}. */
export const bm25RetrieverSettingsSchema = z.strictObject({
  /** @default 'bm25' */
  stageId: z.string().min(1).default('bm25'),
  /** Term-frequency saturation. @default 0.9 (Pyserini's default) */
  k1: z.number().min(0).default(0.9),
  /** Length normalization, 0..1. @default 0.4 (Pyserini's default) */
  b: z.number().min(0).max(1).default(0.4),
  /**
   * Weight of each indexed field: `contents` (title and text together, as Pyserini's flat BEIR
   * indexes), `title`, `text`. Each field is scored with BM25 and the scores are summed with
   * these weights. A missing or 0 weight leaves a field out.
   * @default { contents: 1 }
   */
  fields: z
    .strictObject({
      contents: z.number().min(0).optional(),
      title: z.number().min(0).optional(),
      text: z.number().min(0).optional(),
    })
    .refine(
      (fields) => (fields.contents ?? 0) + (fields.title ?? 0) + (fields.text ?? 0) > 0,
      'give at least one field a weight > 0',
    )
    .default({ contents: 1 }),
  /** Analyzer: lower-casing, English stop words, Porter stemming (all on by default). */
  analyzer: analyzerSettingsSchema.default({}),
});

/** Settings of {@link createBm25Retriever}. */
export type Bm25RetrieverSettings = z.input<typeof bm25RetrieverSettingsSchema>;

/** A BM25 retriever with an index you can add to, remove from, and save. */
export interface Bm25Retriever extends RetrieverV1 {
  /** Indexes documents. A duplicate id (in the batch or already indexed) throws and adds nothing. */
  add(documents: readonly SieveDocument[]): void;
  /** Removes documents by id. An unknown id throws and removes nothing. */
  remove(ids: readonly string[]): void;
  /** Whether an id is indexed. */
  has(id: string): boolean;
  /** Indexed documents. */
  readonly size: number;
  /** Writes the index atomically (temporary file, fsync, rename) with a checksum. */
  save(path: string): Promise<void>;
  doRetrieve(options: RetrieverV1CallOptions): Promise<RetrievedCandidate[]>;
}

type FieldName = 'contents' | 'title' | 'text';
const FORMAT = 'sieve-bm25';
const VERSION = 1;

interface FieldIndex {
  weight: number;
  /** term -> [doc indices, term frequencies] */
  postings: Map<string, { docs: number[]; frequencies: number[] }>;
  lengths: number[];
  totalLength: number;
  /** term -> live documents containing it. */
  documentFrequency: Map<string, number>;
  /** Distinct terms of each document (to update frequencies on removal). */
  documentTerms: string[][];
}

interface SavedBm25 {
  settings: z.output<typeof bm25RetrieverSettingsSchema>;
  ids: string[];
  fields: Record<string, { lengths: number[]; postings: [string, number[], number[]][] }>;
}

const component = 'retrieval';

function fieldText(document: SieveDocument, field: FieldName): string {
  if (field === 'title') return document.title ?? '';
  if (field === 'text') return document.text;
  return documentContents(document);
}

/**
 * Creates an in-memory BM25 retriever (multi-field, incremental, persistable).
 *
 * @example
 * ```ts
 * const bm25 = createBm25Retriever();
 * bm25.add([{ id: 'a', title: 'Aspirin', text: 'Aspirin lowers the risk of stroke.' }]);
 * await bm25.doRetrieve({ query: 'stroke risk', topK: 10 }); // [{ id: 'a', score: ... }]
 * ```
 */
export function createBm25Retriever(settings: Bm25RetrieverSettings = {}): Bm25Retriever {
  return buildRetriever(parseSettings(bm25RetrieverSettingsSchema, settings, { component }));
}

/**
 * Loads a BM25 index saved with `save()`. A missing, truncated, foreign or corrupt file throws
 * `IndexFormatError`; nothing half-loaded is ever returned.
 *
 * @example
 * ```ts
 * const bm25 = await loadBm25Retriever('./index/bm25.json');
 * ```
 */
export async function loadBm25Retriever(path: string): Promise<Bm25Retriever> {
  const saved = (await readChecked(path, FORMAT, VERSION, component)) as SavedBm25;
  try {
    const settings = parseSettings(bm25RetrieverSettingsSchema, saved.settings, { component });
    return buildRetriever(settings, saved);
  } catch (error) {
    throw new IndexFormatError({
      component,
      path,
      message: `${path} holds an unreadable BM25 index: ${(error as Error).message}`,
      cause: error,
    });
  }
}

function buildRetriever(
  settings: z.output<typeof bm25RetrieverSettingsSchema>,
  saved?: SavedBm25,
): Bm25Retriever {
  const analyze: Analyzer = createAnalyzer(settings.analyzer);
  const { k1, b } = settings;
  const fieldNames = (['contents', 'title', 'text'] as const).filter(
    (name) => (settings.fields[name] ?? 0) > 0,
  );
  const fields = new Map<FieldName, FieldIndex>(
    fieldNames.map((name) => [
      name,
      {
        weight: settings.fields[name]!,
        postings: new Map(),
        lengths: [],
        totalLength: 0,
        documentFrequency: new Map(),
        documentTerms: [],
      },
    ]),
  );
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  const deleted: boolean[] = [];
  let live = 0;

  const indexField = (field: FieldIndex, documentIndex: number, terms: string[]): void => {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, count] of counts) {
      let posting = field.postings.get(term);
      if (!posting) {
        posting = { docs: [], frequencies: [] };
        field.postings.set(term, posting);
      }
      posting.docs.push(documentIndex);
      posting.frequencies.push(count);
      field.documentFrequency.set(term, (field.documentFrequency.get(term) ?? 0) + 1);
    }
    field.lengths[documentIndex] = terms.length;
    field.totalLength += terms.length;
    field.documentTerms[documentIndex] = [...counts.keys()];
  };

  if (saved) {
    for (const id of saved.ids) {
      indexOf.set(id, ids.length);
      ids.push(id);
      deleted.push(false);
    }
    live = ids.length;
    for (const [name, field] of fields) {
      const stored = saved.fields[name];
      if (!stored || stored.lengths.length !== ids.length)
        throw new Error(`field '${name}' is missing or has the wrong length`);
      field.lengths = stored.lengths;
      field.totalLength = stored.lengths.reduce((sum, length) => sum + length, 0);
      field.documentTerms = ids.map(() => []);
      for (const [term, docs, frequencies] of stored.postings) {
        field.postings.set(term, { docs, frequencies });
        field.documentFrequency.set(term, docs.length);
        for (const doc of docs) field.documentTerms[doc]!.push(term);
      }
    }
  }

  const retriever: Bm25Retriever = {
    specificationVersion: 'v1',
    stageId: settings.stageId,
    get size() {
      return live;
    },
    has: (id) => indexOf.has(id),
    add(documents) {
      assertDocuments(documents, component, { allowEmpty: true });
      documents.forEach((document, position) => {
        if (indexOf.has(document.id)) {
          throw new InvalidArgumentError({
            component,
            argument: `documents[${position}].id`,
            message: `document '${document.id}' is already indexed; remove it first to replace it`,
          });
        }
        if (document.title !== undefined && typeof document.title !== 'string') {
          throw new InvalidArgumentError({
            component,
            argument: `documents[${position}].title`,
            message: `title of '${document.id}' must be a string when given`,
          });
        }
      });
      for (const document of documents) {
        const documentIndex = ids.length;
        ids.push(document.id);
        indexOf.set(document.id, documentIndex);
        deleted.push(false);
        live += 1;
        for (const [name, field] of fields) {
          indexField(field, documentIndex, analyze(fieldText(document, name)));
        }
      }
    },
    remove(removeIds) {
      assertKnownIds(removeIds, (id) => indexOf.has(id), component);
      for (const id of new Set(removeIds)) {
        const documentIndex = indexOf.get(id)!;
        indexOf.delete(id);
        deleted[documentIndex] = true;
        live -= 1;
        for (const field of fields.values()) {
          field.totalLength -= field.lengths[documentIndex] ?? 0;
          for (const term of field.documentTerms[documentIndex] ?? []) {
            field.documentFrequency.set(term, (field.documentFrequency.get(term) ?? 1) - 1);
          }
        }
      }
    },
    async doRetrieve(options) {
      options.abortSignal?.throwIfAborted();
      const query = assertQuery(options.query, component);
      const topK = assertTopK(options.topK, component);
      if (live === 0) return [];
      const terms = analyze(query);
      const scores = new Float64Array(ids.length);
      const touched: number[] = [];
      for (const field of fields.values()) {
        const averageLength = field.totalLength / live || 1;
        for (const term of terms) {
          const posting = field.postings.get(term);
          const frequency = field.documentFrequency.get(term) ?? 0;
          if (!posting || frequency <= 0) continue;
          const idf = Math.log(1 + (live - frequency + 0.5) / (frequency + 0.5));
          for (let index = 0; index < posting.docs.length; index++) {
            const doc = posting.docs[index]!;
            if (deleted[doc]) continue;
            const tf = posting.frequencies[index]!;
            const norm = k1 * (1 - b + (b * field.lengths[doc]!) / averageLength);
            if (scores[doc] === 0) touched.push(doc);
            scores[doc]! += field.weight * idf * ((tf * (k1 + 1)) / (tf + norm));
          }
        }
      }
      return touched
        .filter((doc) => scores[doc]! > 0)
        .sort((a, c) => scores[c]! - scores[a]! || (ids[a]! < ids[c]! ? -1 : 1))
        .slice(0, topK)
        .map((doc) => ({ id: ids[doc]!, score: scores[doc]! }));
    },
    async save(path) {
      // Compact: drop removed documents and renumber.
      const keep = ids.map((_, index) => index).filter((index) => !deleted[index]);
      const renumber = new Map(keep.map((old, fresh) => [old, fresh]));
      const payload: SavedBm25 = { settings, ids: keep.map((index) => ids[index]!), fields: {} };
      for (const [name, field] of fields) {
        const postings: [string, number[], number[]][] = [];
        for (const [term, posting] of field.postings) {
          const docs: number[] = [];
          const frequencies: number[] = [];
          posting.docs.forEach((doc, index) => {
            const fresh = renumber.get(doc);
            if (fresh === undefined) return;
            docs.push(fresh);
            frequencies.push(posting.frequencies[index]!);
          });
          if (docs.length > 0) postings.push([term, docs, frequencies]);
        }
        payload.fields[name] = { lengths: keep.map((index) => field.lengths[index]!), postings };
      }
      await writeChecked(path, FORMAT, VERSION, payload);
    },
  };
  return retriever;
}
