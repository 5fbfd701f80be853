// Pure tests of what the PostgreSQL objects send: quoting, filters, SQL, error translation and
// settings validation. No server needed (the *.int.test.ts files use one).
import { InvalidArgumentError, InvalidConfigError, RemoteCallError, StageError } from '@sieve/core';
import { MockEmbedderV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { ensurePgSchemaSettingsSchema, schemaStatements } from './ensure-pg-schema.js';
import { PgSchemaError } from './errors/pg-schema-error.js';
import { buildFilterSql } from './filter.js';
import { parseTableName, quoteIdentifier, tableNameSchema } from './identifiers.js';
import { maskPassword, translatePgError } from './pg-connection.js';
import { anyWord, buildTextQuerySql, createPgTextRetriever } from './pg-text-retriever.js';
import { buildVectorQuerySql, createPgVectorRetriever } from './pg-vector-retriever.js';

describe('identifiers', () => {
  it('quotes identifiers, doubling inner double quotes', () => {
    expect(quoteIdentifier('docs')).toBe('"docs"');
    expect(quoteIdentifier('My "Docs"; DROP TABLE x; --')).toBe('"My ""Docs""; DROP TABLE x; --"');
  });

  it('splits schema-qualified table names and quotes each part', () => {
    expect(parseTableName('docs')).toMatchObject({
      schema: undefined,
      name: 'docs',
      sql: '"docs"',
    });
    expect(parseTableName('Search.Docs').sql).toBe('"Search"."Docs"');
    for (const bad of ['', 'a.b.c', '.docs', 'docs.', 'a\0b', 'x'.repeat(64)]) {
      expect(tableNameSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('filters', () => {
  it('builds AND-ed, parameterised conditions numbered from the first parameter', () => {
    expect(
      buildFilterSql(
        [
          { lang: 'en', year: 2020, draft: false },
          { deleted: null, 'meta"data': { tags: ['a'] } },
        ],
        3,
        'test',
      ),
    ).toEqual({
      sql: '"lang" = $3 AND "year" = $4 AND "draft" = $5 AND "deleted" IS NULL AND "meta""data" @> $6::jsonb',
      values: ['en', 2020, false, '{"tags":["a"]}'],
    });
    expect(buildFilterSql([undefined, {}], 3, 'test')).toEqual({ sql: 'TRUE', values: [] });
  });

  it('rejects values that are not filter values with InvalidArgumentError', () => {
    for (const filter of [{ a: undefined }, { a: Number.NaN }, { '': 1 }, [1], 'x']) {
      expect(() => buildFilterSql([filter as never], 1, 'test')).toThrow(InvalidArgumentError);
    }
  });
});

describe('SQL', () => {
  it('orders by the distance operator so an HNSW index of the same operator class serves it', () => {
    expect(
      buildVectorQuerySql({
        table: 's.docs',
        idColumn: 'id',
        embeddingColumn: 'embedding',
        distance: 'inner-product',
        filterSql: 'TRUE',
      }),
    ).toBe(
      'SELECT "id"::text AS id, "embedding" <#> $1::vector AS distance FROM "s"."docs" WHERE TRUE ORDER BY "embedding" <#> $1::vector LIMIT $2',
    );
  });

  it('matches a tsvector column, or a text column through to_tsvector', () => {
    const common = { table: 'docs', idColumn: 'id', filterSql: 'TRUE' };
    expect(buildTextQuerySql({ ...common, tsvectorColumn: 'tsv' })).toContain(
      'ts_rank_cd("tsv", query)',
    );
    expect(buildTextQuerySql({ ...common, textColumn: 'body' })).toContain(
      `to_tsvector($1::regconfig, coalesce("body", '')) @@ query`,
    );
    expect(anyWord('heart, OR sleep-apnea "quoted"')).toBe('heart or sleep or apnea or quoted');
  });

  it('writes validated numbers and a quoted configuration into the DDL', () => {
    const settings = ensurePgSchemaSettingsSchema.parse({
      table: 'search.docs',
      dimensions: 384,
      m: 24,
      efConstruction: 100,
      textSearchConfig: 'simple',
    });
    const statements = schemaStatements(parseTableName('search.docs'), settings);
    expect(statements[0]).toBe('CREATE EXTENSION IF NOT EXISTS vector');
    expect(statements[1]).toBe('CREATE SCHEMA IF NOT EXISTS "search"');
    expect(statements[2]).toContain('"embedding" vector(384)');
    expect(statements[2]).toContain(`to_tsvector('simple'::regconfig`);
    expect(statements.at(-1)).toBe(
      'CREATE INDEX IF NOT EXISTS "docs_embedding_hnsw_vector_cosine_ops" ON "search"."docs" USING hnsw ("embedding" vector_cosine_ops) WITH (m = 24, ef_construction = 100)',
    );
    expect(
      ensurePgSchemaSettingsSchema.safeParse({
        table: 't',
        dimensions: 4,
        textSearchConfig: "x'; --",
      }).success,
    ).toBe(false);
  });
});

describe('errors', () => {
  const context = { target: 'postgresql://h:5432/db', table: 'docs', operation: 'pg-vector' };

  it('masks the password of a URL', () => {
    expect(maskPassword('postgresql://user:p%40ss@host:5432/db')).toBe(
      'postgresql://user:***@host:5432/db',
    );
    expect(maskPassword('postgres://user@host/db')).toBe('postgres://user@host/db');
  });

  it('translates pg errors into typed errors', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    const refused = translatePgError(pgError('ECONNREFUSED', 'connect ECONNREFUSED'), context);
    expect(RemoteCallError.isInstance(refused) && refused.retryable).toBe(true);
    const login = translatePgError(pgError('28P01', 'password authentication failed'), context);
    expect(RemoteCallError.isInstance(login) && !login.retryable).toBe(true);
    const table = translatePgError(pgError('42P01', 'relation "docs" does not exist'), context);
    expect(PgSchemaError.isInstance(table) && table.problem).toBe('missing-table');
    const column = translatePgError(pgError('42703', 'column "x" does not exist'), context);
    expect(PgSchemaError.isInstance(column) && column.problem).toBe('missing-column');
    const type = translatePgError(pgError('42704', 'type "vector" does not exist'), context);
    expect(PgSchemaError.isInstance(type) && type.problem).toBe('missing-extension');
    const dimensions = translatePgError(
      pgError('22000', 'different vector dimensions 3 and 4'),
      context,
    );
    expect(PgSchemaError.isInstance(dimensions) && dimensions.problem).toBe('dimension-mismatch');
    const other = translatePgError(pgError('42601', 'syntax error'), context);
    expect(StageError.isInstance(other) && other.stageId).toBe('pg-vector');
    expect(translatePgError(refused, context)).toBe(refused);
  });
});

describe('settings are validated once, in the factory, before any connection', () => {
  const embedder = new MockEmbedderV1({ dimensions: 4 });
  const connectionString = 'postgresql://postgres@127.0.0.1:1/postgres';

  it('rejects bad settings with InvalidConfigError', async () => {
    for (const settings of [
      { table: 'docs', efSearch: 0 },
      { table: 'docs', efSearch: 1001 },
      { table: 'docs', distance: 'dot' },
      { table: 'a.b.c' },
      { table: 'docs', filter: { a: Number.POSITIVE_INFINITY } },
      { table: 'docs', tableName: 'misspelt' },
    ]) {
      await expect(
        createPgVectorRetriever({ connectionString, embedder, ...(settings as { table: string }) }),
      ).rejects.toSatisfy(InvalidConfigError.isInstance);
    }
    await expect(
      createPgTextRetriever({
        connectionString,
        table: 'docs',
        textColumn: 'text',
        tsvectorColumn: 'tsv',
      }),
    ).rejects.toSatisfy(InvalidConfigError.isInstance);
    await expect(
      createPgVectorRetriever({ connectionString, table: 'docs', embedder: {} as never }),
    ).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });
});
