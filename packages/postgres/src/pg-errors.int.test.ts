import {
  IndexFormatError,
  InvalidArgumentError,
  InvalidConfigError,
  RemoteCallError,
  StageError,
} from '@sieve/core';
import { conformanceCorpus, MockEmbedderV1 } from '@sieve/core/test';
import type { Pool } from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePgSchema } from './ensure-pg-schema.js';
import { PgSchemaError, type PgSchemaProblem } from './errors/pg-schema-error.js';
import { loadPgCorpus } from './load-pg-corpus.js';
import { createPgDocumentStore } from './pg-document-store.js';
import { pgTestDatabase, withDatabase } from './pg-test-support.js';
import { createPgTextRetriever } from './pg-text-retriever.js';
import { createPgVectorRetriever } from './pg-vector-retriever.js';

const database = await pgTestDatabase('errors');
const embedder = new MockEmbedderV1({ dimensions: 16 });

/** Awaits `promise` and returns what it rejected with (fails if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

/** Expects a `PgSchemaError` of the problem, that is also an `IndexFormatError`. */
async function expectSchemaError(promise: Promise<unknown>, problem: PgSchemaProblem) {
  const error = await rejection(promise);
  expect(PgSchemaError.isInstance(error), String(error)).toBe(true);
  expect(IndexFormatError.isInstance(error)).toBe(true);
  expect((error as PgSchemaError).problem).toBe(problem);
  return error as PgSchemaError;
}

/** Nothing is checked out of the pool. */
function expectAllReleased(pool: Pool) {
  expect(pool.idleCount).toBe(pool.totalCount);
  expect(pool.waitingCount).toBe(0);
}

describe.skipIf(!database)('typed errors that name the fix', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = database!.newPool({ max: 2 });
  });

  it('missing extension: the vector retriever and the loader say to create it', async () => {
    await pool.query('DROP EXTENSION IF EXISTS vector CASCADE');
    await pool.query('CREATE TABLE plain (id text PRIMARY KEY, text text)');
    const error = await expectSchemaError(
      createPgVectorRetriever({ pool, table: 'plain', embedder }),
      'missing-extension',
    );
    expect(error.message).toMatch(/CREATE EXTENSION vector/);
    await expectSchemaError(
      loadPgCorpus({ pool, table: 'plain', embedder, documents: [] }),
      'missing-extension',
    );
    // The store and the text retriever do not need it.
    await createPgDocumentStore({ pool, table: 'plain', titleColumn: null, metadataColumn: null });
    expectAllReleased(pool);
  });

  it('missing table, missing column, wrong type and dimension mismatch, at creation', async () => {
    await ensurePgSchema({ pool, table: 'docs', dimensions: 16 });
    await loadPgCorpus({ pool, table: 'docs', embedder, documents: conformanceCorpus });
    const missing = await expectSchemaError(
      createPgVectorRetriever({ pool, table: 'nope', embedder }),
      'missing-table',
    );
    expect(missing.message).toMatch(/ensurePgSchema/);
    expect(missing.table).toBe('nope');
    await expectSchemaError(createPgTextRetriever({ pool, table: 'public.nope' }), 'missing-table');
    await expectSchemaError(createPgDocumentStore({ pool, table: 'Docs' }), 'missing-table');
    const column = await expectSchemaError(
      createPgVectorRetriever({ pool, table: 'docs', embedder, idColumn: 'key' }),
      'missing-column',
    );
    expect(column.column).toBe('key');
    expect(column.path).toBe('docs.key');
    expect(column.message).toMatch(/idColumn/);
    await expectSchemaError(
      createPgTextRetriever({ pool, table: 'docs', tsvectorColumn: 'vector' }),
      'missing-column',
    );
    await expectSchemaError(
      createPgDocumentStore({ pool, table: 'docs', metadataColumn: 'meta' }),
      'missing-column',
    );
    await expectSchemaError(
      createPgVectorRetriever({ pool, table: 'docs', embedder, embeddingColumn: 'text' }),
      'wrong-column-type',
    );
    await expectSchemaError(
      createPgTextRetriever({ pool, table: 'docs', tsvectorColumn: 'text' }),
      'wrong-column-type',
    );
    const other = new MockEmbedderV1({ dimensions: 8 });
    const mismatch = await expectSchemaError(
      createPgVectorRetriever({ pool, table: 'docs', embedder: other }),
      'dimension-mismatch',
    );
    expect(mismatch.message).toMatch(/vector\(16\).*8-dimensional/);
    await expectSchemaError(
      loadPgCorpus({ pool, table: 'docs', embedder: other, documents: conformanceCorpus }),
      'dimension-mismatch',
    );
    await expectSchemaError(
      ensurePgSchema({ pool, table: 'docs', dimensions: 8 }),
      'dimension-mismatch',
    );
    expectAllReleased(pool);
  });

  it('a table dropped after creation fails the query with PgSchemaError and releases the connection', async () => {
    await ensurePgSchema({ pool, table: 'dropped', dimensions: 16 });
    const dense = await createPgVectorRetriever({ pool, table: 'dropped', embedder });
    const lexical = await createPgTextRetriever({ pool, table: 'dropped' });
    const store = await createPgDocumentStore({ pool, table: 'dropped' });
    await pool.query('DROP TABLE dropped');
    for (let attempt = 0; attempt < 3; attempt++) {
      // More attempts than connections: a leaked connection would make the third one hang.
      await expectSchemaError(dense.doRetrieve({ query: 'heart', topK: 3 }), 'missing-table');
      await expectSchemaError(lexical.doRetrieve({ query: 'heart', topK: 3 }), 'missing-table');
      await expectSchemaError(store.getDocuments(['a']), 'missing-table');
      expectAllReleased(pool);
    }
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('an embedder that fails or returns the wrong dimension is a StageError; nothing is checked out', async () => {
    const failing = {
      ...embedder,
      specificationVersion: 'v1' as const,
      modelId: 'failing',
      dimensions: 16,
      doEmbed: async () => {
        throw new Error('model crashed');
      },
    };
    const dense = await createPgVectorRetriever({ pool, table: 'docs', embedder: failing });
    const error = await rejection(dense.doRetrieve({ query: 'heart', topK: 3 }));
    expect(StageError.isInstance(error)).toBe(true);
    expect((error as StageError).stageId).toBe('pg-vector');
    const short = await createPgVectorRetriever({
      pool,
      table: 'docs',
      embedder: { ...failing, doEmbed: async () => ({ embeddings: [new Float32Array(3)] }) },
    });
    expect(StageError.isInstance(await rejection(short.doRetrieve({ query: 'x', topK: 1 })))).toBe(
      true,
    );
    const plain = await createPgVectorRetriever({ pool, table: 'docs', embedder });
    expect(
      InvalidArgumentError.isInstance(await rejection(plain.searchVector([1, 2], { topK: 1 }))),
    ).toBe(true);
    expect(
      InvalidArgumentError.isInstance(
        await rejection(
          plain.doRetrieve({ query: 'x', topK: 1, filter: { id: undefined as never } }),
        ),
      ),
    ).toBe(true);
    expectAllReleased(pool);
  });

  it('an unknown text search configuration is an InvalidConfigError', async () => {
    const error = await rejection(
      createPgTextRetriever({ pool, table: 'docs', config: 'klingon' }),
    );
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    expect((error as InvalidConfigError).issues[0]!.path).toBe('config');
    const schema = await rejection(
      ensurePgSchema({ pool, table: 'klingon', dimensions: 4, textSearchConfig: 'klingon' }),
    );
    expect(InvalidConfigError.isInstance(schema)).toBe(true);
    expectAllReleased(pool);
  });

  it('connection refused, a missing socket and a missing database are RemoteCallErrors', async () => {
    const refused = await rejection(
      createPgVectorRetriever({
        connectionString: 'postgresql://postgres:secret@127.0.0.1:1/postgres',
        table: 'docs',
        embedder,
      }),
    );
    expect(RemoteCallError.isInstance(refused)).toBe(true);
    expect((refused as RemoteCallError).retryable).toBe(true);
    expect((refused as RemoteCallError).url).toBe('postgresql://postgres:***@127.0.0.1:1/postgres');
    expect((refused as Error).message).toMatch(/ECONNREFUSED.*start the server/);
    expect((refused as Error).message).not.toMatch(/secret/);
    const socket = await rejection(
      createPgTextRetriever({
        connectionString: 'postgresql://postgres@/postgres?host=/nonexistent',
        table: 'docs',
      }),
    );
    expect(RemoteCallError.isInstance(socket)).toBe(true);
    const noDatabase = await rejection(
      createPgDocumentStore({
        connectionString: withDatabase(database!.url, 'no_such_database'),
        table: 'docs',
      }),
    );
    expect(RemoteCallError.isInstance(noDatabase)).toBe(true);
    expect((noDatabase as RemoteCallError).retryable).toBe(false);
    expect((noDatabase as Error).message).toMatch(/no_such_database.*create the database/);
  });

  it('a malformed connection string, or both or neither of pool and connectionString, is an InvalidConfigError', async () => {
    for (const settings of [
      { connectionString: 'mysql://localhost/db' },
      { connectionString: 'postgresql://user:pw@host:99999/db' },
      { connectionString: database!.url, pool },
      {},
    ]) {
      const error = await rejection(createPgDocumentStore({ table: 'docs', ...settings }));
      expect(InvalidConfigError.isInstance(error), JSON.stringify(settings.connectionString)).toBe(
        true,
      );
    }
  });
});
