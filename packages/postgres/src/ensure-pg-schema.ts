import { InvalidConfigError, parseSettings } from '@sieve/core';
import { escapeLiteral, type Pool } from 'pg';
import { z } from 'zod';
import { pgDistances } from './distances.js';
import { PgSchemaError } from './errors/pg-schema-error.js';
import { quoteIdentifier, type TableName } from './identifiers.js';
import { assertTableShape, inspectTable } from './inspect-table.js';
import { openPgTable, pgTableSettingsShape } from './open-pg-table.js';
import {
  component,
  type PgConnectionSettings,
  type PgErrorContext,
  translatePgError,
  withTransaction,
} from './pg-connection.js';

/** The columns of the table {@link ensurePgSchema} creates: the defaults of every other setting. */
export const pgSchemaColumns = {
  id: 'id',
  title: 'title',
  text: 'text',
  metadata: 'metadata',
  embedding: 'embedding',
  tsvector: 'tsv',
} as const;

/** Schema of {@link EnsurePgSchemaSettings} without `pool`. */
export const ensurePgSchemaSettingsSchema = z.strictObject({
  ...pgTableSettingsShape,
  /** The embedding dimension: `vector(dimensions)`; the embedder's `dimensions`. */
  dimensions: z.number().int().min(1).max(16_000),
  /** The distance the HNSW index serves; the retriever must use the same. @default 'cosine' */
  distance: z.enum(['cosine', 'inner-product', 'l2']).default('cosine'),
  /** HNSW links per node (pgvector's default). @default 16 */
  m: z.number().int().min(2).max(100).default(16),
  /** HNSW candidate list size while building (pgvector's default; at least 2 * m). @default 64 */
  efConstruction: z.number().int().min(4).max(1000).default(64),
  /**
   * The text search configuration of the generated `tsv` column (title weighted A, text B).
   * Letters, digits and `_`, optionally `schema.`-qualified. @default 'english'
   */
  textSearchConfig: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/u, {
      message: "must be a configuration name such as 'english' or 'simple'",
    })
    .default('english'),
  /**
   * Whether to create the HNSW index now. For a large first load, `false` and then a second
   * call with `true` after `loadPgCorpus` is faster: pgvector builds an index over existing rows
   * faster than it inserts rows into one. @default true
   */
  vectorIndex: z.boolean().default(true),
});

/** Settings of {@link ensurePgSchema}. */
export type EnsurePgSchemaSettings = z.input<typeof ensurePgSchemaSettingsSchema> &
  PgConnectionSettings;

/**
 * Creates, if absent, everything the retrievers and the store of this package read: the
 * `vector` extension, the schema of a qualified name, the table
 * (`id text PRIMARY KEY, title text, text text NOT NULL, metadata jsonb, embedding vector(N)`,
 * and `tsv`, a generated `tsvector` of title and text), a GIN index on `tsv` and an HNSW index on
 * `embedding` for the distance. Idempotent: each statement is `IF NOT EXISTS`, in one
 * transaction. An existing table is checked: a `vector` column of another dimension throws
 * `PgSchemaError` (`dimension-mismatch`). An existing index is kept as it is (drop it to rebuild
 * it with other `m` or `efConstruction`).
 *
 * Statements with identifiers cannot take parameters; names are quoted and the numbers and the
 * configuration name are validated before they are written into the SQL.
 *
 * @example
 * ```ts
 * await ensurePgSchema({ pool, table: 'docs', dimensions: embedder.dimensions });
 * ```
 */
export async function ensurePgSchema(settings: EnsurePgSchemaSettings): Promise<void> {
  const { pool, ...rest } = settings;
  const parsed = parseSettings(ensurePgSchemaSettingsSchema, rest, { component });
  const { connection, table, context } = await openPgTable({
    pool: pool as Pool | undefined,
    connectionString: parsed.connectionString,
    table: parsed.table,
    operation: 'ensurePgSchema',
  });
  try {
    await withTransaction(connection, context, async (client) => {
      for (const statement of schemaStatements(table, parsed)) {
        try {
          await client.query(statement);
        } catch (error) {
          throw translateSchemaError(error, parsed.textSearchConfig, context);
        }
      }
    });
    assertTableShape(
      await inspectTable(connection, table, context),
      table,
      [
        {
          column: pgSchemaColumns.embedding,
          setting: 'dimensions',
          types: ['vector'],
          dimensions: parsed.dimensions,
        },
      ],
      { needsVector: true },
    );
  } finally {
    await connection.close();
  }
}

/** The DDL statements of {@link ensurePgSchema}, in order. */
export function schemaStatements(
  table: TableName,
  settings: z.output<typeof ensurePgSchemaSettingsSchema>,
): string[] {
  const column = (name: keyof typeof pgSchemaColumns): string =>
    quoteIdentifier(pgSchemaColumns[name]);
  const config = `${escapeLiteral(settings.textSearchConfig)}::regconfig`;
  const distance = pgDistances[settings.distance];
  // Index names are unqualified: an index lives in its table's schema.
  const indexName = (suffix: string): string =>
    quoteIdentifier(`${table.name}_${suffix}`.slice(0, 63));
  const statements = ['CREATE EXTENSION IF NOT EXISTS vector'];
  if (table.schema !== undefined) {
    statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(table.schema)}`);
  }
  statements.push(
    `CREATE TABLE IF NOT EXISTS ${table.sql} (
      ${column('id')} text PRIMARY KEY,
      ${column('title')} text,
      ${column('text')} text NOT NULL DEFAULT '',
      ${column('metadata')} jsonb,
      ${column('embedding')} vector(${settings.dimensions}),
      ${column('tsvector')} tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(${config}, coalesce(${column('title')}, '')), 'A') ||
        setweight(to_tsvector(${config}, ${column('text')}), 'B')) STORED)`,
    `CREATE INDEX IF NOT EXISTS ${indexName('tsv_gin')} ON ${table.sql} USING gin (${column('tsvector')})`,
  );
  if (settings.vectorIndex) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${indexName(`embedding_hnsw_${distance.operatorClass}`)} ON ${table.sql} USING hnsw (${column('embedding')} ${distance.operatorClass}) WITH (m = ${settings.m}, ef_construction = ${settings.efConstruction})`,
    );
  }
  return statements;
}

function translateSchemaError(error: unknown, config: string, context: PgErrorContext): Error {
  const { code, message = '' } = error as { code?: string; message?: string };
  if (code === '42704' && /text search configuration/u.test(message)) {
    return new InvalidConfigError({
      component,
      issues: [
        {
          path: 'textSearchConfig',
          message: `'${config}' is not a text search configuration of this database (e.g. 'english', 'simple')`,
        },
      ],
      cause: error,
    });
  }
  if (/extension "vector"|control file/u.test(message)) {
    return new PgSchemaError({
      component,
      problem: 'missing-extension',
      table: context.table,
      message:
        code === '42501'
          ? `${message}; ask an administrator to run CREATE EXTENSION vector in this database`
          : `${message}: pgvector is not installed on the server; install it (https://github.com/pgvector/pgvector#installation) or use a server image that has it`,
      cause: error,
    });
  }
  return translatePgError(error, context);
}
