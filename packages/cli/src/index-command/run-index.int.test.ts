// `sieve index` against a throwaway PostgreSQL (tools/pg-test-server.py, or SIEVE_TEST_PG_URL):
// load, load again (nothing added), an interrupted load that resumes, and the typed errors.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pgTestDatabase } from '../../../postgres/src/pg-test-support.js';
import { main } from '../cli.js';
import { beirMini, onnxFixtures, testContext } from '../support/test-context.js';
import { runIndex } from './run-index.js';

const database = await pgTestDatabase('cli_index');
const embedder = join(onnxFixtures, 'tiny-bert-bi-encoder');

async function rows(table: string): Promise<{ count: number; indexes: string[] }> {
  const { pool } = database!;
  const count = await pool.query<{ count: string }>(`SELECT count(*) FROM ${table}`);
  const indexes = await pool.query<{ indexname: string }>(
    'SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname',
    [table],
  );
  return {
    count: Number(count.rows[0]!.count),
    indexes: indexes.rows.map((row) => row.indexname),
  };
}

function captureStderr(): () => string {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    written.push(String(text));
    return true;
  });
  return () => written.join('');
}

describe.skipIf(!database)('sieve index', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('loads a BEIR corpus with its embeddings and indexes; a second run adds nothing', async () => {
    const context = testContext({ modelsGiven: false });
    const options = {
      corpus: beirMini,
      connectionString: database!.url,
      table: 'docs',
      embedder,
      batchSize: 5,
    };
    const first = await runIndex(context, options);
    expect(first).toMatchObject({ documents: 12, inserted: 12, skipped: 0 });
    expect(await rows('docs')).toEqual({
      count: 12,
      indexes: ['docs_embedding_hnsw_vector_cosine_ops', 'docs_pkey', 'docs_tsv_gin'],
    });
    const second = await runIndex(context, options);
    expect(second).toMatchObject({ inserted: 0, skipped: 12 });
    expect((await rows('docs')).count).toBe(12);
    expect(context.lines.at(-1)).toMatch(/docs: 0 documents inserted, 12 already there/);
  });

  it('resumes an interrupted load: the batches written stay, the rest is added after', async () => {
    const controller = new AbortController();
    const interrupted = testContext({
      modelsGiven: false,
      // Stops after the first batch, as a Ctrl-C between batches would.
      progress: () => ({ tick: () => controller.abort(), done: () => undefined }),
    });
    const options = {
      corpus: beirMini,
      connectionString: database!.url,
      table: 'resumed',
      embedder,
      batchSize: 4,
    };
    await expect(
      runIndex(interrupted, { ...options, abortSignal: controller.signal }),
    ).rejects.toThrow(/abort/i);
    // The HNSW index comes after the load, so an interrupted load has none yet.
    expect(await rows('resumed')).toEqual({
      count: 4,
      indexes: ['resumed_pkey', 'resumed_tsv_gin'],
    });
    const resumed = await runIndex(testContext({ modelsGiven: false }), options);
    expect(resumed).toMatchObject({ inserted: 8, skipped: 4 });
    expect((await rows('resumed')).count).toBe(12);
    expect((await rows('resumed')).indexes).toContain('resumed_embedding_hnsw_vector_cosine_ops');
  });

  it('says what is wrong: bad URL and missing files (usage, exit 2), no server (exit 1)', async () => {
    const args = ['index', '--embedder', embedder, '--table', 'docs', '--no-progress'];
    let stderr = captureStderr();
    expect(await main([...args, '--corpus', beirMini, '--pg', 'mysql://localhost/x'])).toBe(2);
    expect(stderr()).toMatch(/--pg must be a postgres:\/\/ or postgresql:\/\/ URL/);
    vi.restoreAllMocks();
    stderr = captureStderr();
    expect(await main([...args, '--corpus', beirMini])).toBe(2);
    expect(stderr()).toMatch(/--pg is required/);
    vi.restoreAllMocks();
    stderr = captureStderr();
    expect(
      await main([...args, '--corpus', '/nonexistent/corpus.jsonl', '--pg', database!.url]),
    ).toBe(2);
    expect(stderr()).toMatch(/--corpus \/nonexistent\/corpus.jsonl: does not exist/);
    vi.restoreAllMocks();
    stderr = captureStderr();
    // Port 1 on this machine: nothing listens there.
    const nowhere = 'postgresql://postgres:secret@127.0.0.1:1/search';
    expect(await main([...args, '--corpus', beirMini, '--pg', nowhere])).toBe(1);
    expect(stderr()).toMatch(/sieve: .*127\.0\.0\.1/);
    expect(stderr()).not.toMatch(/secret/);
  });
});
