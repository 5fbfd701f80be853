/** A document of the corpus. The cascade reads `text`; `metadata` is passed through untouched. */
export interface SieveDocument {
  /** Unique id. */
  id: string;
  /** The text scorers read. */
  text: string;
  /** Optional title; retrievers may index it as a field. */
  title?: string;
  /** Caller data, never read or changed by Sieve. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Supplies document texts to the cascade. Returns one entry per id, in order; `undefined` for an
 * id it does not know (the cascade drops that candidate with a warning). A plain array or a
 * promise of one.
 *
 * @example
 * ```ts
 * const getDocuments: GetDocuments = (ids) => ids.map((id) => byId.get(id));
 * ```
 */
export type GetDocuments = (
  ids: readonly string[],
) =>
  | ReadonlyArray<SieveDocument | undefined>
  | PromiseLike<ReadonlyArray<SieveDocument | undefined>>;
