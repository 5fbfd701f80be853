import { conformanceCorpus, describeRetrieverConformance, MockEmbedderV1 } from '@sieve/core/test';
import { createHybridRetriever } from '@sieve/retrieval';
import { toSql } from 'pgvector';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePgSchema } from './ensure-pg-schema.js';
import { loadPgCorpus } from './load-pg-corpus.js';
import { pgTestDatabase } from './pg-test-support.js';
import { createPgTextRetriever } from './pg-text-retriever.js';
import { createPgVectorRetriever, type PgVectorRetriever } from './pg-vector-retriever.js';

const database = await pgTestDatabase('retrievers');
const embedder = new MockEmbedderV1({ dimensions: 64 });

/** Makes a table and loads the conformance corpus into it. */
async function corpusTable(table: string, distance: 'cosine' | 'inner-product' | 'l2' = 'cosine') {
  const { pool } = database!;
  await ensurePgSchema({ pool, table, dimensions: embedder.dimensions, distance });
  await loadPgCorpus({ pool, table, documents: conformanceCorpus, embedder });
}

describe.skipIf(!database)('PostgreSQL retrievers', () => {
  beforeAll(async () => {
    await corpusTable('conformance');
    await corpusTable('search.conformance_l2', 'l2');
  });

  for (const distance of ['cosine', 'inner-product', 'l2'] as const) {
    describeRetrieverConformance(`pgvector (${distance})`, {
      create: () =>
        createPgVectorRetriever({
          pool: database!.pool,
          table: distance === 'l2' ? 'search.conformance_l2' : 'conformance',
          embedder,
          distance,
        }),
    });
  }

  describeRetrieverConformance('PostgreSQL full-text (tsvector column)', {
    create: () => createPgTextRetriever({ pool: database!.pool, table: 'conformance' }),
  });

  describeRetrieverConformance('PostgreSQL full-text (text column, any word)', {
    create: () =>
      createPgTextRetriever({
        pool: database!.pool,
        table: 'conformance',
        textColumn: 'text',
        match: 'any',
      }),
  });

  describeRetrieverConformance('hybrid of pgvector and full-text', {
    create: async () =>
      createHybridRetriever({
        retrievers: [
          await createPgTextRetriever({ pool: database!.pool, table: 'conformance', match: 'any' }),
          await createPgVectorRetriever({ pool: database!.pool, table: 'conformance', embedder }),
        ],
      }),
  });

  it('full-text: websearch syntax needs every word, any matches any word', async () => {
    const pool = database!.pool;
    const all = await createPgTextRetriever({ pool, table: 'conformance' });
    const any = await createPgTextRetriever({ pool, table: 'conformance', match: 'any' });
    const ids = (results: { id: string }[]) => results.map((result) => result.id);
    expect(ids(await all.doRetrieve({ query: 'heart sleep', topK: 10 }))).toEqual(['f']);
    expect(ids(await any.doRetrieve({ query: 'heart or sleep', topK: 10 })).sort()).toEqual([
      'a',
      'c',
      'f',
    ]);
    expect(ids(await all.doRetrieve({ query: 'heart -exercise', topK: 10 }))).toEqual(['a']);
    expect(await all.doRetrieve({ query: 'the of and', topK: 10 })).toEqual([]);
    expect(await any.doRetrieve({ query: '?!', topK: 10 })).toEqual([]);
  });

  it('filters on columns (equality, IS NULL) and on jsonb metadata (containment)', async () => {
    const { pool } = database!;
    await ensurePgSchema({ pool, table: 'filtered', dimensions: embedder.dimensions });
    await loadPgCorpus({
      pool,
      table: 'filtered',
      embedder,
      documents: conformanceCorpus.map((document, index) => ({
        ...document,
        metadata: { parity: index % 2 === 0 ? 'even' : 'odd', tags: ['x', `t${index}`] },
        ...(index === 5 ? { title: undefined } : {}),
      })),
    });
    const dense = await createPgVectorRetriever({ pool, table: 'filtered', embedder });
    const lexical = await createPgTextRetriever({ pool, table: 'filtered', match: 'any' });
    const query = 'heart sleep exercise aspirin';
    for (const retriever of [dense, lexical]) {
      const ids = async (filter: Record<string, unknown>) =>
        (await retriever.doRetrieve({ query, topK: 10, filter: filter as never }))
          .map((result) => result.id)
          .sort();
      expect(await ids({ metadata: { parity: 'even' } })).toEqual(
        retriever === dense ? ['a', 'c', 'e'] : ['a', 'c'],
      );
      expect(await ids({ id: 'f' })).toEqual(['f']);
      expect(await ids({ title: null })).toEqual(['f']);
      expect(await ids({ metadata: { tags: ['t2'] } })).toEqual(['c']);
      expect(await ids({ metadata: { parity: 'odd' }, id: 'a' })).toEqual([]);
    }
    const fixed = await createPgVectorRetriever({
      pool,
      table: 'filtered',
      embedder,
      filter: { metadata: { parity: 'odd' } },
    });
    const odd = await fixed.doRetrieve({ query, topK: 10 });
    expect(odd.map((result) => result.id).sort()).toEqual(['b', 'd', 'f']);
    expect(await fixed.doRetrieve({ query, topK: 10, filter: { id: 'b' } })).toHaveLength(1);
  });

  describe('HNSW', () => {
    const dimensions = 24;
    const count = 600;
    let random = 42;
    const next = () => {
      random = (Math.imul(random, 1103515245) + 12345) >>> 0;
      return random / 2 ** 32 - 0.5;
    };
    const vector = () => Array.from({ length: dimensions }, next);
    const vectorEmbedder = new MockEmbedderV1({ dimensions });
    let retriever: PgVectorRetriever;

    beforeAll(async () => {
      const { pool } = database!;
      await ensurePgSchema({ pool, table: 'random', dimensions, m: 8, efConstruction: 32 });
      const ids = Array.from({ length: count }, (_, index) => `v${index}`);
      await pool.query(
        'INSERT INTO random (id, embedding) SELECT * FROM unnest($1::text[], $2::vector[])',
        [ids, ids.map(() => toSql(vector()))],
      );
      await pool.query('ANALYZE random');
      retriever = await createPgVectorRetriever({
        pool,
        table: 'random',
        embedder: vectorEmbedder,
        efSearch: 200,
      });
    });

    it('recall@10 against an exact scan is at least 0.95', async () => {
      const { pool } = database!;
      const client = await pool.connect();
      let found = 0;
      const queries = 30;
      try {
        for (let query = 0; query < queries; query++) {
          const target = vector();
          const approximate = await retriever.searchVector(target, { topK: 10 });
          await client.query('BEGIN');
          // No index scan: the reference is an exact sort of every row.
          await client.query('SET LOCAL enable_indexscan = off');
          const exact = await client.query<{ id: string }>(
            'SELECT id FROM random ORDER BY embedding <=> $1::vector LIMIT 10',
            [toSql(target)],
          );
          await client.query('COMMIT');
          const truth = new Set(exact.rows.map((row) => row.id));
          found += approximate.filter((candidate) => truth.has(candidate.id)).length;
        }
      } finally {
        client.release();
      }
      expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.95);
    });

    it('sets hnsw.ef_search for the query transaction only, at least topK', async () => {
      const single = database!.newPool({ max: 1 });
      const pinned = await createPgVectorRetriever({
        pool: single,
        table: 'random',
        embedder: vectorEmbedder,
        efSearch: 123,
      });
      const plan = await pinned.explain({ query: 'anything', topK: 10 });
      expect(plan.efSearch).toBe(123);
      expect(plan.usesIndex).toBe(true);
      expect(plan.plan.join('\n')).toMatch(/random_embedding_hnsw_vector_cosine_ops/);
      expect((await pinned.explain({ query: 'anything', topK: 300 })).efSearch).toBe(300);
      await pinned.doRetrieve({ query: 'anything', topK: 10 });
      // The same (only) connection is back with pgvector's default: SET LOCAL did not leak.
      const after = await single.query("SELECT current_setting('hnsw.ef_search') AS value");
      expect(after.rows).toEqual([{ value: '40' }]);
      expect(single.totalCount).toBe(1);
    });

    it('returns topK rows even when topK exceeds efSearch', async () => {
      const small = await createPgVectorRetriever({
        pool: database!.pool,
        table: 'random',
        embedder: vectorEmbedder,
        efSearch: 10,
      });
      expect(await small.searchVector(vector(), { topK: 50 })).toHaveLength(50);
    });
  });
});
