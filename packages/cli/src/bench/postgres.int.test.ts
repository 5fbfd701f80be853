// `sieve bench postgres` in small: the 12-document fixture, the tiny generated bi-encoder and
// cross-encoder, one query, against a throwaway PostgreSQL (tools/pg-test-server.py, or
// SIEVE_TEST_PG_URL). The figures are meaningless at this size; the test checks that every part
// runs and reports.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pgTestDatabase } from '../../../postgres/src/pg-test-support.js';
import { main } from '../cli.js';
import type { PostgresBenchResult } from '../results/postgres-bench-result.js';
import { beirMini, onnxFixtures, savedResultPath, testContext } from '../support/test-context.js';
import { benchPostgres } from './postgres.js';

const database = await pgTestDatabase('cli_bench_postgres');
const embedder = join(onnxFixtures, 'tiny-bert-bi-encoder');

describe.skipIf(!database)('sieve bench postgres', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('loads, sweeps ef_search, measures clients, full-text and the cascade, and saves it', async () => {
    const context = testContext({ modelsGiven: false });
    const result = await benchPostgres(context, {
      pg: database!.url,
      embedder,
      reranker: join(onnxFixtures, 'tiny-bert-cross-encoder'),
      queries: 1,
      efSearch: [10, 20],
      clients: [1, 2],
      embedSample: 5,
      batchSize: 4,
      shape: 'hybrid=6,minilm=3',
    });
    expect(result).toMatchObject({
      documents: 12,
      queries: 1,
      hnsw: { m: 16, efConstruction: 64 },
    });
    expect(result.loads.map((row) => [row.documents, row.embeddingIncluded])).toEqual([
      [12, false],
      [12, false],
      [5, true],
    ]);
    expect(result.hnsw.indexBytes).toBeGreaterThan(0);
    // Exact in PostgreSQL and exact in JavaScript agree, and an HNSW over 12 rows is exact.
    expect(result.exactAgreementAt10).toBe(1);
    expect(result.recall.map((row) => row.efSearch)).toEqual([10, 20]);
    for (const row of result.recall) {
      expect(row.pgvector.recallAt10).toBe(1);
      expect(row.hnswlib.recallAt10).toBe(1);
    }
    expect(result.concurrency.map((row) => [row.clients, row.requests])).toEqual([
      [1, 300],
      [2, 300],
    ]);
    expect(result.lexical).toHaveLength(3);
    expect(result.cascade!.rows.map((row) => [row.retrieval, row.evaluation.shape])).toEqual(
      ['hybrid=6', 'hybrid=6,minilm=3'].flatMap((shape) =>
        ['postgres', 'pgvector + bm25', 'in-process'].map((retrieval) => [retrieval, shape]),
      ),
    );
    expect(result.loadAverage.start).toBeGreaterThanOrEqual(0);
    const saved = JSON.parse(readFileSync(savedResultPath(context), 'utf8')) as PostgresBenchResult;
    expect(saved.benchmark).toBe('postgres');
    expect(context.lines.join('\n')).toMatch(/ef_search 10: pgvector recall@10 1\.0000/);
  });

  it('runs from the command line with its size flags, without the cascade', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out.push(String(text));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const results = mkdtempSync(join(tmpdir(), 'sieve-bench-postgres-'));
    const argv = ['bench', 'postgres', '--pg', database!.url, '--dataset', beirMini];
    const sizes = ['--queries', '1', '--ef', '10', '--clients', '1', '--embed-sample', '3'];
    const flags = ['--embedder', embedder, '--skip-cascade', '--results', results, '--json'];
    expect(await main([...argv, ...sizes, ...flags, '--no-progress'])).toBe(0);
    const result = JSON.parse(out.join('')) as PostgresBenchResult;
    expect(result.cascade).toBeNull();
    expect(result.recall.map((row) => row.efSearch)).toEqual([10]);
    expect(await main([...argv, '--ef', '10,x'])).toBe(2);
  });
});
