import { IndexFormatError, SieveError } from '@sieve/core';

const marker = 'sieve.error.pg-schema';
const symbol = Symbol.for(marker);

/** What is wrong with the database a {@link PgSchemaError} names. */
export type PgSchemaProblem =
  | 'missing-extension'
  | 'missing-table'
  | 'missing-column'
  | 'wrong-column-type'
  | 'dimension-mismatch';

/**
 * The database is not shaped as the settings say: the `vector` extension is not installed, the
 * table or a column is missing, a column has the wrong type, or the embedding column's declared
 * dimension differs from the embedder's.
 *
 * A table is PostgreSQL's form of an index, so this extends `IndexFormatError` of `@sieve/core`
 * (code `index-format`, `path` is `table` or `table.column`): code that handles a bad saved index
 * handles this too. `PgSchemaError.isInstance` tells it apart.
 *
 * @example
 * ```ts
 * catch (error) { if (PgSchemaError.isInstance(error) && error.problem === 'missing-table') ... }
 * ```
 */
export class PgSchemaError extends IndexFormatError {
  protected readonly [symbol] = true;
  /** What is wrong. */
  readonly problem: PgSchemaProblem;
  /** The table, as given in the settings (`docs`, `search.docs`). */
  readonly table: string;
  /** The column at fault, when one is. */
  readonly column: string | undefined;

  constructor(options: {
    component: string;
    problem: PgSchemaProblem;
    table: string;
    column?: string;
    message: string;
    cause?: unknown;
  }) {
    super({
      component: options.component,
      path: options.column === undefined ? options.table : `${options.table}.${options.column}`,
      message: options.message,
      cause: options.cause,
    });
    this.name = 'PgSchemaError';
    this.problem = options.problem;
    this.table = options.table;
    this.column = options.column;
  }

  static override isInstance(error: unknown): error is PgSchemaError {
    return SieveError.hasMarker(error, marker);
  }
}
