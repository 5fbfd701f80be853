import { conformanceCorpus, MockEmbedderV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { ensurePgSchema } from './ensure-pg-schema.js';
import { type LoadPgCorpusProgress, loadPgCorpus } from './load-pg-corpus.js';
import { createPgDocumentStore } from './pg-document-store.js';
import { pgTestDatabase } from './pg-test-support.js';

const database = await pgTestDatabase('schema_and_store');
const embedder = new MockEmbedderV1({ dimensions: 16 });

describe.skipIf(!database)('ensurePgSchema, loadPgCorpus and the document store', () => {
  it('ensurePgSchema is idempotent and makes the table, the tsvector column and both indexes', async () => {
    const { pool } = database!;
    const catalog = async () =>
      (
        await pool.query(
          `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'Docs Schema' ORDER BY indexname`,
        )
      ).rows;
    const settings = {
      pool,
      table: 'Docs Schema.My "Docs"',
      dimensions: 16,
      distance: 'inner-product' as const,
      m: 8,
      efConstruction: 40,
    };
    await ensurePgSchema(settings);
    const first = await catalog();
    await ensurePgSchema(settings);
    expect(await catalog()).toEqual(first);
    expect(first.map((row) => row.indexname)).toEqual([
      'My "Docs"_embedding_hnsw_vector_ip_ops',
      'My "Docs"_pkey',
      'My "Docs"_tsv_gin',
    ]);
    expect(first[0].indexdef).toMatch(
      /USING hnsw \(embedding vector_ip_ops\) WITH \(m='?8'?, ef_construction='?40'?\)/,
    );
    const columns = await pool.query(
      `SELECT column_name, data_type, is_generated FROM information_schema.columns
       WHERE table_schema = 'Docs Schema' AND table_name = 'My "Docs"' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((row) => [row.column_name, row.data_type, row.is_generated])).toEqual([
      ['id', 'text', 'NEVER'],
      ['title', 'text', 'NEVER'],
      ['text', 'text', 'NEVER'],
      ['metadata', 'jsonb', 'NEVER'],
      ['embedding', 'USER-DEFINED', 'NEVER'],
      ['tsv', 'tsvector', 'ALWAYS'],
    ]);
    const withoutIndex = { pool, table: 'later_index', dimensions: 16, vectorIndex: false };
    await ensurePgSchema(withoutIndex);
    const hnsw = `SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'later_index' AND indexdef LIKE '%hnsw%'`;
    expect((await pool.query(hnsw)).rows[0].n).toBe(0);
    await ensurePgSchema({ ...withoutIndex, vectorIndex: true });
    expect((await pool.query(hnsw)).rows[0].n).toBe(1);
  });

  it('loadPgCorpus loads in batches, resumes after a partial load and never duplicates', async () => {
    const { pool } = database!;
    const table = 'loaded';
    await ensurePgSchema({ pool, table, dimensions: 16 });
    const documents = Array.from({ length: 50 }, (_, index) => ({
      id: `d${index}`,
      text: `document number ${index}`,
      ...(index % 3 === 0 ? { title: `title ${index}` } : {}),
      ...(index % 5 === 0 ? { metadata: { index, "quote'd": 'a "b" \\c' } } : {}),
    }));
    const progress: LoadPgCorpusProgress[] = [];
    const half = await loadPgCorpus({
      pool,
      table,
      embedder,
      documents: documents.slice(0, 25),
      batchSize: 10,
      onProgress: (step) => progress.push(step),
    });
    expect(half).toEqual({ inserted: 25, skipped: 0 });
    expect(progress.map((step) => step.done)).toEqual([10, 20, 25]);
    const embedded = embedder.calls.length;
    const all = await loadPgCorpus({ pool, table, embedder, documents, batchSize: 10 });
    expect(all).toEqual({ inserted: 25, skipped: 25 });
    // The first two batches were entirely present: they were not embedded again.
    expect(embedder.calls.length - embedded).toBe(3);
    const again = await loadPgCorpus({ pool, table, embedder, documents, batchSize: 10 });
    expect(again).toEqual({ inserted: 0, skipped: 50 });
    const counts = await pool.query(
      `SELECT count(*)::int AS total, count(DISTINCT id)::int AS ids,
              count(embedding)::int AS embedded FROM loaded`,
    );
    expect(counts.rows[0]).toEqual({ total: 50, ids: 50, embedded: 50 });
    const aborted = new AbortController();
    aborted.abort(new Error('stop'));
    await expect(
      loadPgCorpus({ pool, table, embedder, documents, abortSignal: aborted.signal }),
    ).rejects.toThrow('stop');
  });

  it('getDocuments: one query, input order, undefined for unknown ids, title and metadata', async () => {
    const { pool } = database!;
    await ensurePgSchema({ pool, table: 'stored', dimensions: 16 });
    await loadPgCorpus({
      pool,
      table: 'stored',
      embedder,
      documents: [
        ...conformanceCorpus,
        { id: 'm', text: 'with metadata', metadata: { year: 2020, tags: ['x'] } },
      ],
    });
    const store = await createPgDocumentStore({ pool, table: 'stored' });
    let queries = 0;
    const counting = database!.newPool();
    const original = counting.query.bind(counting);
    counting.query = ((...args: Parameters<typeof original>) => {
      queries += 1;
      return original(...args);
    }) as typeof counting.query;
    const countingStore = await createPgDocumentStore({ pool: counting, table: 'stored' });
    queries = 0;
    const documents = await countingStore.getDocuments(['c', 'nope', 'a', 'm', 'c']);
    expect(queries).toBe(1);
    expect(documents).toEqual([
      { id: 'c', title: 'Sleep', text: conformanceCorpus[2]!.text },
      undefined,
      { id: 'a', title: 'Aspirin', text: conformanceCorpus[0]!.text },
      { id: 'm', text: 'with metadata', metadata: { year: 2020, tags: ['x'] } },
      { id: 'c', title: 'Sleep', text: conformanceCorpus[2]!.text },
    ]);
    expect(await store.getDocuments([])).toEqual([]);
    const bare = await createPgDocumentStore({
      pool,
      table: 'stored',
      titleColumn: null,
      metadataColumn: null,
    });
    expect(await bare.getDocuments(['m', 'a'])).toEqual([
      { id: 'm', text: 'with metadata' },
      { id: 'a', text: conformanceCorpus[0]!.text },
    ]);
  });

  it('a connection string makes a pool of its own, which close() ends', async () => {
    const store = await createPgDocumentStore({
      connectionString: database!.url,
      table: 'stored',
    });
    expect(await store.getDocuments(['b'])).toHaveLength(1);
    await store.close();
    await store.close();
    await expect(store.getDocuments(['b'])).rejects.toThrow();
  });
});
