import {
  assertQuery,
  assertTopK,
  InvalidConfigError,
  parseSettings,
  type RetrievedCandidate,
  type RetrieverV1,
} from '@sieve/core';
import type { Pool } from 'pg';
import { z } from 'zod';
import { buildFilterSql, pgFilterSchema } from './filter.js';
import { columnNameSchema, parseTableName, quoteIdentifier } from './identifiers.js';
import { openPgTable, pgTableSettingsShape } from './open-pg-table.js';
import {
  component,
  type PgConnectionSettings,
  type PgErrorContext,
  queryRows,
  translatePgError,
} from './pg-connection.js';
import type { PgVectorRetrieverCallOptions } from './pg-vector-retriever.js';

/**
 * Schema of {@link PgTextRetrieverSettings} without `pool`. Column defaults are the layout
 * `ensurePgSchema` creates (a generated, GIN-indexed `tsv` column).
 */
export const pgTextRetrieverSettingsSchema = z
  .strictObject({
    ...pgTableSettingsShape,
    /** @default 'pg-text' */
    stageId: z.string().min(1).default('pg-text'),
    /** The id column (any type; returned as text). @default 'id' */
    idColumn: columnNameSchema.default('id'),
    /**
     * A `tsvector` column to match (fast with a GIN index). Used unless `textColumn` is given.
     * @default 'tsv'
     */
    tsvectorColumn: columnNameSchema.optional(),
    /**
     * A text column to match instead, through `to_tsvector(config, column)` on every row: no
     * index can serve it, so only for small tables; prefer a `tsvector` column.
     */
    textColumn: columnNameSchema.optional(),
    /**
     * The text search configuration (`english`, `simple`, `french`, ...) that parses the query,
     * and the text with `textColumn`. It should be the one the `tsvector` column was made with.
     * @default 'english'
     */
    config: z.string().min(1).default('english'),
    /**
     * `websearch`: the query in web-search syntax (`websearch_to_tsquery`): every word must
     * match, `"quoted phrases"`, `-excluded`, `or`. `any`: a row matching any word of the query
     * is a candidate (the words are joined with `or`), as BM25 ranks: better recall as a first
     * stage before reranking. @default 'websearch'
     */
    match: z.enum(['websearch', 'any']).default('websearch'),
    /** A filter every query applies (AND-ed with a per-call `filter`). */
    filter: pgFilterSchema.optional(),
  })
  .refine((settings) => !(settings.textColumn && settings.tsvectorColumn), {
    message: 'give textColumn or tsvectorColumn, not both',
    path: ['textColumn'],
  });

/** Settings of {@link createPgTextRetriever}. */
export type PgTextRetrieverSettings = z.input<typeof pgTextRetrieverSettingsSchema> &
  PgConnectionSettings;

/** A lexical {@link RetrieverV1} over PostgreSQL full-text search. */
export interface PgTextRetriever extends RetrieverV1 {
  /** Returns the best-ranked rows' ids (`ts_rank_cd`), best first; ties by id. */
  doRetrieve(options: PgVectorRetrieverCallOptions): Promise<RetrievedCandidate[]>;
  /** Ends the pool made from `connectionString`; a pool passed in stays open. */
  close(): Promise<void>;
}

/**
 * Creates a lexical retriever on PostgreSQL full-text search: the query is parsed with
 * `websearch_to_tsquery(config, query)`, rows are matched with `@@` and ranked by `ts_rank_cd`
 * (cover density). With {@link createPgVectorRetriever} under `createHybridRetriever` of
 * `@sieve/retrieval`, both halves of a hybrid search run in the database.
 *
 * The table, the columns and the `config` are checked once, here.
 *
 * @example
 * ```ts
 * const lexical = await createPgTextRetriever({ pool, table: 'docs' });
 * const hybrid = createHybridRetriever({ retrievers: [lexical, dense] });
 * ```
 */
export async function createPgTextRetriever(
  settings: PgTextRetrieverSettings,
): Promise<PgTextRetriever> {
  const { pool, ...rest } = settings;
  const parsed = parseSettings(pgTextRetrieverSettingsSchema, rest, { component });
  const document =
    parsed.textColumn === undefined
      ? { column: parsed.tsvectorColumn ?? 'tsv', setting: 'tsvectorColumn', types: ['tsvector'] }
      : { column: parsed.textColumn, setting: 'textColumn' };
  const { connection, context } = await openPgTable({
    pool: pool as Pool | undefined,
    connectionString: parsed.connectionString,
    table: parsed.table,
    operation: parsed.stageId,
    requirements: [{ column: parsed.idColumn, setting: 'idColumn' }, document],
  });
  try {
    await assertTextSearchConfig(connection, context, parsed.config);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const columns = {
    table: parsed.table,
    idColumn: parsed.idColumn,
    ...(parsed.textColumn === undefined
      ? { tsvectorColumn: document.column }
      : { textColumn: parsed.textColumn }),
  };
  return {
    specificationVersion: 'v1',
    stageId: parsed.stageId,
    async doRetrieve(options) {
      options.abortSignal?.throwIfAborted();
      const query = assertQuery(options.query, component);
      const topK = assertTopK(options.topK, component);
      const filter = buildFilterSql([parsed.filter, options.filter], 4, component);
      const rows = await queryRows<{ id: string; score: number }>(
        connection,
        context,
        buildTextQuerySql({ ...columns, filterSql: filter.sql }),
        [parsed.config, parsed.match === 'any' ? anyWord(query) : query, topK, ...filter.values],
      );
      return rows.map(({ id, score }) => ({ id, score }));
    },
    close: connection.close,
  };
}

/**
 * Throws `InvalidConfigError` unless `config` names a text search configuration of the
 * database (`SELECT $1::regconfig`).
 */
export async function assertTextSearchConfig(
  connection: Parameters<typeof queryRows>[0],
  context: PgErrorContext,
  config: string,
): Promise<void> {
  try {
    await connection.pool.query('SELECT $1::regconfig', [config]);
  } catch (error) {
    if ((error as { code?: string }).code === '42704') {
      throw new InvalidConfigError({
        component,
        issues: [
          {
            path: 'config',
            message: `'${config}' is not a text search configuration of this database (see \\dF in psql; e.g. 'english', 'simple')`,
          },
        ],
        cause: error,
      });
    }
    throw translatePgError(error, context);
  }
}

/**
 * The SQL of one full-text query: `$1` the configuration, `$2` the query, `$3` the limit, the
 * filter's parameters from `$4`.
 */
export function buildTextQuerySql(options: {
  table: string;
  idColumn: string;
  tsvectorColumn?: string;
  textColumn?: string;
  filterSql: string;
}): string {
  const document =
    options.textColumn === undefined
      ? quoteIdentifier(options.tsvectorColumn ?? 'tsv')
      : `to_tsvector($1::regconfig, coalesce(${quoteIdentifier(options.textColumn)}, ''))`;
  const id = quoteIdentifier(options.idColumn);
  return `SELECT ${id}::text AS id, ts_rank_cd(${document}, query) AS score FROM ${parseTableName(options.table).sql}, websearch_to_tsquery($1::regconfig, $2) AS query WHERE ${document} @@ query AND ${options.filterSql} ORDER BY score DESC, ${id} LIMIT $3`;
}

/** A query whose rows match any of its words, in web-search syntax: `a or b or c`. */
export function anyWord(query: string): string {
  const words = (query.match(/[\p{L}\p{N}_]+/gu) ?? []).filter(
    // `or` would read as the operator; alone it is a stop word anyway.
    (word) => word.toLowerCase() !== 'or',
  );
  return words.join(' or ');
}
