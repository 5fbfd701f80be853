import {
  assertQuery,
  assertTopK,
  type EmbedderV1,
  InvalidArgumentError,
  parseSettings,
  type RetrievedCandidate,
  type RetrieverV1,
  type RetrieverV1CallOptions,
} from '@sieve/core';
import type { Pool, PoolClient } from 'pg';
import { toSql } from 'pgvector';
import { z } from 'zod';
import { pgDistances } from './distances.js';
import { assertEmbedder, embedTexts } from './embed-texts.js';
import { buildFilterSql, type PgFilter, pgFilterSchema } from './filter.js';
import { columnNameSchema, parseTableName, quoteIdentifier } from './identifiers.js';
import { openPgTable, pgTableSettingsShape } from './open-pg-table.js';
import {
  component,
  type PgConnection,
  type PgConnectionSettings,
  type PgErrorContext,
  withTransaction,
} from './pg-connection.js';

/**
 * Schema of {@link PgVectorRetrieverSettings} without the objects passed beside it (`pool`,
 * `embedder`). Column defaults are the layout `ensurePgSchema` creates.
 */
export const pgVectorRetrieverSettingsSchema = z.strictObject({
  ...pgTableSettingsShape,
  /** @default 'pg-vector' */
  stageId: z.string().min(1).default('pg-vector'),
  /** The id column (any type; returned as text). @default 'id' */
  idColumn: columnNameSchema.default('id'),
  /** The `vector(N)` column. @default 'embedding' */
  embeddingColumn: columnNameSchema.default('embedding'),
  /**
   * How vectors are compared; must match the HNSW index's operator class, or PostgreSQL scans the
   * whole table. @default 'cosine'
   */
  distance: z.enum(['cosine', 'inner-product', 'l2']).default('cosine'),
  /**
   * HNSW candidate list size per query (`hnsw.ef_search`, set for the query's transaction only).
   * At least `topK` is used, since pgvector returns at most `ef_search` rows. Higher: better
   * recall, slower. pgvector allows 1 to 1000. @default 100
   */
  efSearch: z.number().int().min(1).max(1000).default(100),
  /**
   * A filter every query applies (AND-ed with a per-call `filter`). With an HNSW index, pgvector
   * filters the `ef_search` nearest rows, so a selective filter can return fewer than `topK`:
   * raise `efSearch`, or index the filtered column (a partial index per value).
   */
  filter: pgFilterSchema.optional(),
});

/** Settings of {@link createPgVectorRetriever}. */
export type PgVectorRetrieverSettings = z.input<typeof pgVectorRetrieverSettingsSchema> &
  PgConnectionSettings & {
    /** Embeds the queries: the embedder the table's vectors were made with. */
    embedder: EmbedderV1;
  };

/** Options of one {@link PgVectorRetriever} call: the spec's, plus a filter. */
export interface PgVectorRetrieverCallOptions extends RetrieverV1CallOptions {
  /** Conditions on columns, AND-ed with the settings' `filter`. */
  filter?: PgFilter;
}

/** What {@link PgVectorRetriever.explain} reports about one query. */
export interface PgQueryPlan {
  /** `hnsw.ef_search` as the query's transaction saw it. */
  efSearch: number;
  /** The lines of `EXPLAIN`'s plan. */
  plan: string[];
  /**
   * Whether the rows come from an index scan (the HNSW index) rather than a sort of the whole
   * table (an exact search).
   */
  usesIndex: boolean;
}

/** A {@link RetrieverV1} over a pgvector column. */
export interface PgVectorRetriever extends RetrieverV1 {
  /** The dimension of the embedder and of the column. */
  readonly dimensions: number;
  /** Embeds the query and returns the nearest rows' ids, best first. */
  doRetrieve(options: PgVectorRetrieverCallOptions): Promise<RetrievedCandidate[]>;
  /** Nearest rows to a vector (no embedding), best first. */
  searchVector(
    vector: ArrayLike<number>,
    options: Omit<PgVectorRetrieverCallOptions, 'query'>,
  ): Promise<RetrievedCandidate[]>;
  /** Runs `EXPLAIN` on the query `doRetrieve` would run, with the same `hnsw.ef_search`. */
  explain(options: PgVectorRetrieverCallOptions): Promise<PgQueryPlan>;
  /** Ends the pool made from `connectionString`; a pool passed in stays open. */
  close(): Promise<void>;
}

/**
 * Creates a retriever over a pgvector column: the query is embedded with `embedder` and the rows
 * nearest to it are found by `ORDER BY embedding <=> $1 LIMIT topK` (served by an HNSW index
 * when one exists for the distance), with `hnsw.ef_search` set for that query's transaction only.
 *
 * The table is checked once, here: the `vector` extension, the table, the columns and the
 * column's declared dimension against the embedder's (`PgSchemaError` names the fix). SQL is
 * parameterised; table and column names are quoted.
 *
 * @example
 * ```ts
 * const dense = await createPgVectorRetriever({ pool, table: 'docs', embedder, efSearch: 200 });
 * await dense.doRetrieve({ query: 'aspirin and stroke', topK: 100, filter: { lang: 'en' } });
 * ```
 */
export async function createPgVectorRetriever(
  settings: PgVectorRetrieverSettings,
): Promise<PgVectorRetriever> {
  const { pool, embedder: givenEmbedder, ...rest } = settings;
  const embedder = assertEmbedder(givenEmbedder);
  const parsed = parseSettings(pgVectorRetrieverSettingsSchema, rest, { component });
  const { connection, context } = await openPgTable({
    pool: pool as Pool | undefined,
    connectionString: parsed.connectionString,
    table: parsed.table,
    operation: parsed.stageId,
    requirements: [
      { column: parsed.idColumn, setting: 'idColumn' },
      {
        column: parsed.embeddingColumn,
        setting: 'embeddingColumn',
        types: ['vector'],
        dimensions: embedder.dimensions,
      },
    ],
    needsVector: true,
  });
  return buildVectorRetriever(parsed, embedder, connection, context);
}

/** The SQL of one nearest-neighbour query: `$1` the vector, `$2` the limit, filters from `$3`. */
export function buildVectorQuerySql(options: {
  table: string;
  idColumn: string;
  embeddingColumn: string;
  distance: keyof typeof pgDistances;
  filterSql: string;
}): string {
  const distance = `${quoteIdentifier(options.embeddingColumn)} ${pgDistances[options.distance].operator} $1::vector`;
  return `SELECT ${quoteIdentifier(options.idColumn)}::text AS id, ${distance} AS distance FROM ${parseTableName(options.table).sql} WHERE ${options.filterSql} ORDER BY ${distance} LIMIT $2`;
}

function buildVectorRetriever(
  settings: z.output<typeof pgVectorRetrieverSettingsSchema>,
  embedder: EmbedderV1,
  connection: PgConnection,
  context: PgErrorContext,
): PgVectorRetriever {
  const distance = pgDistances[settings.distance];

  const prepare = (
    vector: ArrayLike<number>,
    options: Omit<PgVectorRetrieverCallOptions, 'query'>,
  ): { sql: string; values: unknown[]; efSearch: number } | undefined => {
    const topK = assertTopK(options.topK, component);
    if (vector.length !== embedder.dimensions || !Array.from(vector).every(Number.isFinite)) {
      throw new InvalidArgumentError({
        component,
        argument: 'vector',
        message: `the vector must hold ${embedder.dimensions} finite numbers`,
      });
    }
    // A zero vector has no cosine with anything: nothing is similar to it.
    if (settings.distance === 'cosine' && Array.from(vector).every((value) => value === 0)) {
      return undefined;
    }
    const filter = buildFilterSql([settings.filter, options.filter], 3, component);
    return {
      sql: buildVectorQuerySql({ ...settings, filterSql: filter.sql }),
      values: [toSql(Array.from(vector)), topK, ...filter.values],
      efSearch: Math.max(settings.efSearch, topK),
    };
  };

  const run = async <T>(
    query: { sql: string; values: unknown[]; efSearch: number },
    work: (client: PoolClient) => Promise<T>,
  ): Promise<T> =>
    withTransaction(connection, context, async (client) => {
      // set_config(..., true) is SET LOCAL with a parameter: it ends with the transaction, so
      // the pooled connection goes back with the server's default.
      await client.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(query.efSearch)]);
      return work(client);
    });

  const searchVector: PgVectorRetriever['searchVector'] = async (vector, options) => {
    options.abortSignal?.throwIfAborted();
    const query = prepare(vector, options);
    if (!query) return [];
    const rows = await run(query, async (client) => {
      const result = await client.query<{ id: string; distance: number | null }>(
        query.sql,
        query.values,
      );
      return result.rows;
    });
    const candidates: RetrievedCandidate[] = [];
    for (const row of rows) {
      if (row.distance === null) continue; // a row without an embedding
      const score = distance.score(row.distance);
      if (Number.isFinite(score)) candidates.push({ id: row.id, score });
    }
    // The index returns rows nearest first; sorting again makes ties deterministic.
    return candidates.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };

  const embedQuery = async (options: PgVectorRetrieverCallOptions): Promise<Float32Array> => {
    options.abortSignal?.throwIfAborted();
    const text = assertQuery(options.query, component);
    assertTopK(options.topK, component);
    const [vector] = await embedTexts(embedder, [text], {
      stageId: settings.stageId,
      abortSignal: options.abortSignal,
    });
    return vector!;
  };

  return {
    specificationVersion: 'v1',
    stageId: settings.stageId,
    dimensions: embedder.dimensions,
    async doRetrieve(options) {
      return searchVector(await embedQuery(options), options);
    },
    searchVector,
    async explain(options) {
      const query = prepare(await embedQuery(options), options);
      if (!query) return { efSearch: 0, plan: [], usesIndex: false };
      return run(query, async (client) => {
        const shown = await client.query<{ ef_search: string }>(
          "SELECT current_setting('hnsw.ef_search') AS ef_search",
        );
        const explained = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN ${query.sql}`,
          query.values,
        );
        const plan = explained.rows.map((row) => row['QUERY PLAN']);
        return {
          efSearch: Number(shown.rows[0]!.ef_search),
          plan,
          usesIndex: plan.some((line) => /Index Scan/u.test(line)),
        };
      });
    },
    close: connection.close,
  };
}
