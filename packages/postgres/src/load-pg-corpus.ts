import {
  assertDocuments,
  documentContents,
  type EmbedderV1,
  parseSettings,
  type SieveDocument,
} from '@sieve/core';
import type { Pool } from 'pg';
import { toSql } from 'pgvector';
import { z } from 'zod';
import { assertEmbedder, embedTexts } from './embed-texts.js';
import { pgSchemaColumns } from './ensure-pg-schema.js';
import { quoteIdentifier } from './identifiers.js';
import { openPgTable, pgTableSettingsShape } from './open-pg-table.js';
import { component, type PgConnectionSettings, queryRows } from './pg-connection.js';

/** Schema of {@link LoadPgCorpusSettings} without the objects passed beside it. */
export const loadPgCorpusSettingsSchema = z.strictObject({
  ...pgTableSettingsShape,
  /** Documents per batch: one existence query, one embedder call, one INSERT. @default 256 */
  batchSize: z.number().int().min(1).max(100_000).default(256),
});

/** Progress after each batch of {@link loadPgCorpus}. */
export interface LoadPgCorpusProgress {
  /** Documents handled so far (inserted or skipped). */
  done: number;
  /** All documents of the call. */
  total: number;
  /** Inserted so far. */
  inserted: number;
  /** Skipped so far because their id was already in the table. */
  skipped: number;
}

/** Settings of {@link loadPgCorpus}. */
export type LoadPgCorpusSettings = z.input<typeof loadPgCorpusSettingsSchema> &
  PgConnectionSettings & {
    /** The documents; ids must be unique. */
    documents: readonly SieveDocument[];
    /** Embeds title and text (`documentContents`); its dimension must be the column's. */
    embedder: EmbedderV1;
    /** Called after each batch. */
    onProgress?: (progress: LoadPgCorpusProgress) => void;
    /** Stops between batches; the batches already written stay (a later call resumes). */
    abortSignal?: AbortSignal;
  };

/**
 * Loads documents into a table made by `ensurePgSchema`, in batches: per batch, one query finds
 * the ids already present, the others are embedded in one embedder call and inserted in one
 * statement (`INSERT ... SELECT FROM unnest(...) ON CONFLICT (id) DO NOTHING`, five array
 * parameters whatever the batch size). Resumable: present ids are skipped without being
 * embedded, so running it again after an interruption loads only what is missing, and running it
 * twice adds nothing. Each batch commits on its own.
 *
 * @example
 * ```ts
 * const { inserted, skipped } = await loadPgCorpus({ pool, table: 'docs', documents, embedder });
 * ```
 */
export async function loadPgCorpus(
  settings: LoadPgCorpusSettings,
): Promise<{ inserted: number; skipped: number }> {
  const { pool, documents, embedder: givenEmbedder, onProgress, abortSignal, ...rest } = settings;
  const embedder = assertEmbedder(givenEmbedder);
  const parsed = parseSettings(loadPgCorpusSettingsSchema, rest, { component });
  assertDocuments(documents, component, { allowEmpty: true });
  const fromSchema = 'table (made by ensurePgSchema)';
  const { connection, table, context } = await openPgTable({
    pool: pool as Pool | undefined,
    connectionString: parsed.connectionString,
    table: parsed.table,
    operation: 'loadPgCorpus',
    requirements: [
      ...(['id', 'title', 'text', 'metadata'] as const).map((name) => ({
        column: pgSchemaColumns[name],
        setting: fromSchema,
      })),
      {
        column: pgSchemaColumns.embedding,
        setting: fromSchema,
        types: ['vector'],
        dimensions: embedder.dimensions,
      },
    ],
    needsVector: true,
  });
  const column = (name: keyof typeof pgSchemaColumns): string =>
    quoteIdentifier(pgSchemaColumns[name]);
  const existing = `SELECT ${column('id')} AS id FROM ${table.sql} WHERE ${column('id')} = ANY($1::text[])`;
  const insert = `INSERT INTO ${table.sql} (${column('id')}, ${column('title')}, ${column('text')}, ${column('metadata')}, ${column('embedding')})
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::vector[])
    ON CONFLICT (${column('id')}) DO NOTHING`;
  let inserted = 0;
  let skipped = 0;
  try {
    for (let start = 0; start < documents.length; start += parsed.batchSize) {
      abortSignal?.throwIfAborted();
      const batch = documents.slice(start, start + parsed.batchSize);
      const present = new Set(
        (
          await queryRows<{ id: string }>(connection, context, existing, [
            batch.map((document) => document.id),
          ])
        ).map((row) => row.id),
      );
      const missing = batch.filter((document) => !present.has(document.id));
      skipped += batch.length - missing.length;
      if (missing.length > 0) {
        const vectors = await embedTexts(embedder, missing.map(documentContents), {
          stageId: 'loadPgCorpus',
          abortSignal,
        });
        const rows = await queryRows(connection, context, `${insert} RETURNING 1`, [
          missing.map((document) => document.id),
          missing.map((document) => document.title ?? null),
          missing.map((document) => document.text),
          missing.map((document) =>
            document.metadata === undefined ? null : JSON.stringify(document.metadata),
          ),
          vectors.map((vector) => toSql(Array.from(vector))),
        ]);
        inserted += rows.length;
        // A row another loader inserted since the existence query is skipped, not duplicated.
        skipped += missing.length - rows.length;
      }
      onProgress?.({ done: start + batch.length, total: documents.length, inserted, skipped });
    }
  } finally {
    await connection.close();
  }
  return { inserted, skipped };
}
