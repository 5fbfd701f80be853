import {
  assertDocuments,
  describeType,
  type GetDocuments,
  InvalidArgumentError,
  type SieveDocument,
} from '@sieve/core';
import { assertKnownIds } from '../assert-known-ids.js';
import { readChecked, writeChecked } from '../persistence/atomic-file.js';

/**
 * Where the cascade reads document texts from. Pluggable: any object with `getDocuments` works
 * (a database, a key-value store); this package ships an in-memory one.
 */
export interface DocumentStore {
  /** One entry per id, in order; `undefined` for unknown ids. */
  getDocuments: GetDocuments;
}

/** An in-memory {@link DocumentStore} that can be saved beside the indexes. */
export interface MemoryDocumentStore extends DocumentStore {
  /** Adds documents; a duplicate id throws and adds nothing. */
  add(documents: readonly SieveDocument[]): void;
  /** Removes documents; an unknown id throws and removes nothing. */
  remove(ids: readonly string[]): void;
  get(id: string): SieveDocument | undefined;
  readonly size: number;
  getDocuments(ids: readonly string[]): Promise<Array<SieveDocument | undefined>>;
  /** Writes all documents atomically with a checksum. */
  save(path: string): Promise<void>;
}

const FORMAT = 'sieve-documents';
const VERSION = 1;
const component = 'retrieval';

/**
 * Creates an in-memory document store.
 *
 * @example
 * ```ts
 * const store = createMemoryDocumentStore();
 * store.add(corpus);
 * createCascade({ retrievers: [bm25], documentStore: store, stages });
 * ```
 */
export function createMemoryDocumentStore(
  documents: readonly SieveDocument[] = [],
): MemoryDocumentStore {
  const byId = new Map<string, SieveDocument>();
  const store: MemoryDocumentStore = {
    get size() {
      return byId.size;
    },
    add(added) {
      assertDocuments(added, component, { allowEmpty: true });
      added.forEach((document, index) => {
        if (byId.has(document.id)) {
          throw new InvalidArgumentError({
            component,
            argument: `documents[${index}].id`,
            message: `document '${document.id}' is already stored; remove it first to replace it`,
          });
        }
      });
      for (const document of added) byId.set(document.id, document);
    },
    remove(ids) {
      assertKnownIds(ids, (id) => byId.has(id), component);
      for (const id of ids) byId.delete(id);
    },
    get: (id) => byId.get(id),
    getDocuments: async (ids) => {
      if (!Array.isArray(ids)) {
        throw new InvalidArgumentError({
          component,
          argument: 'ids',
          message: `getDocuments(ids) takes an array of document ids, got ${describeType(ids)}`,
        });
      }
      // Map lookups never coerce: a non-string id is simply unknown.
      return ids.map((id) => byId.get(id));
    },
    save: (path) => writeChecked(path, FORMAT, VERSION, [...byId.values()]),
  };
  store.add(documents);
  return store;
}

/** Loads a store saved with `save()`; a bad file throws `IndexFormatError`. */
export async function loadMemoryDocumentStore(path: string): Promise<MemoryDocumentStore> {
  const documents = (await readChecked(path, FORMAT, VERSION, component)) as SieveDocument[];
  return createMemoryDocumentStore(documents);
}
