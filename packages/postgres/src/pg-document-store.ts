import { InvalidArgumentError, parseSettings, type SieveDocument } from '@sieve/core';
import type { Pool } from 'pg';
import { z } from 'zod';
import { columnNameSchema, quoteIdentifier } from './identifiers.js';
import type { ColumnRequirement } from './inspect-table.js';
import { openPgTable, pgTableSettingsShape } from './open-pg-table.js';
import { component, type PgConnectionSettings, queryRows } from './pg-connection.js';

/** Schema of {@link PgDocumentStoreSettings} without `pool`. Defaults: `ensurePgSchema`'s layout. */
export const pgDocumentStoreSettingsSchema = z.strictObject({
  ...pgTableSettingsShape,
  /** The id column (any type; ids are compared in its type and returned as text). @default 'id' */
  idColumn: columnNameSchema.default('id'),
  /** The text column (a NULL reads as ''). @default 'text' */
  textColumn: columnNameSchema.default('text'),
  /** The title column, or `null` when the table has none. @default 'title' */
  titleColumn: columnNameSchema.nullable().default('title'),
  /** A `json`/`jsonb` column read into `metadata`, or `null` when the table has none. @default 'metadata' */
  metadataColumn: columnNameSchema.nullable().default('metadata'),
});

/** Settings of {@link createPgDocumentStore}. */
export type PgDocumentStoreSettings = z.input<typeof pgDocumentStoreSettingsSchema> &
  PgConnectionSettings;

/** A document store on a PostgreSQL table: what a cascade reads candidates' texts from. */
export interface PgDocumentStore {
  /**
   * One entry per id, in the order asked, `undefined` for an id the table does not hold (the
   * `GetDocuments` contract of `@sieve/core`). One round trip (`WHERE id = ANY($1)`).
   */
  getDocuments(ids: readonly string[]): Promise<Array<SieveDocument | undefined>>;
  /** Ends the pool made from `connectionString`; a pool passed in stays open. */
  close(): Promise<void>;
}

/**
 * Creates a document store that reads documents from a table in one query per call. The table
 * and columns are checked once, here.
 *
 * @example
 * ```ts
 * const store = await createPgDocumentStore({ pool, table: 'docs' });
 * createCascade({ retrievers: [hybrid], documentStore: store, stages });
 * ```
 */
export async function createPgDocumentStore(
  settings: PgDocumentStoreSettings,
): Promise<PgDocumentStore> {
  const { pool, ...rest } = settings;
  const parsed = parseSettings(pgDocumentStoreSettingsSchema, rest, { component });
  const requirements: ColumnRequirement[] = [
    { column: parsed.idColumn, setting: 'idColumn' },
    { column: parsed.textColumn, setting: 'textColumn' },
  ];
  if (parsed.titleColumn !== null) {
    requirements.push({ column: parsed.titleColumn, setting: 'titleColumn' });
  }
  if (parsed.metadataColumn !== null) {
    requirements.push({
      column: parsed.metadataColumn,
      setting: 'metadataColumn',
      types: ['json', 'jsonb'],
    });
  }
  const { connection, table, context } = await openPgTable({
    pool: pool as Pool | undefined,
    connectionString: parsed.connectionString,
    table: parsed.table,
    operation: 'pg-document-store',
    requirements,
  });
  const id = quoteIdentifier(parsed.idColumn);
  const columns = [
    `${id}::text AS id`,
    `${quoteIdentifier(parsed.textColumn)}::text AS text`,
    parsed.titleColumn === null
      ? 'NULL AS title'
      : `${quoteIdentifier(parsed.titleColumn)}::text AS title`,
    parsed.metadataColumn === null
      ? 'NULL AS metadata'
      : `${quoteIdentifier(parsed.metadataColumn)} AS metadata`,
  ];
  // `= ANY($1)` lets PostgreSQL read $1 as an array of the id column's type, so the primary key
  // index serves it whatever that type is.
  const sql = `SELECT ${columns.join(', ')} FROM ${table.sql} WHERE ${id} = ANY($1)`;
  return {
    async getDocuments(ids) {
      if (!Array.isArray(ids) || ids.some((value) => typeof value !== 'string')) {
        throw new InvalidArgumentError({
          component,
          argument: 'ids',
          message: 'ids must be an array of strings',
        });
      }
      if (ids.length === 0) return [];
      const rows = await queryRows<{
        id: string;
        text: string | null;
        title: string | null;
        metadata: unknown;
      }>(connection, context, sql, [[...new Set(ids)]]);
      const byId = new Map<string, SieveDocument>();
      for (const row of rows) {
        const document: SieveDocument = { id: row.id, text: row.text ?? '' };
        if (row.title !== null) document.title = row.title;
        if (
          row.metadata !== null &&
          typeof row.metadata === 'object' &&
          !Array.isArray(row.metadata)
        ) {
          document.metadata = row.metadata as Record<string, unknown>;
        }
        byId.set(row.id, document);
      }
      return ids.map((value) => byId.get(value));
    },
    close: connection.close,
  };
}
