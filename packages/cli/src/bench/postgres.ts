/**
 * `sieve bench postgres`: PostgreSQL + pgvector as Sieve's index, on SciFact. The corpus is loaded
 * through `sieve index`'s code path (`indexCorpus`) with vectors embedded once (the dense-index
 * cache of `sieve eval`), then: load rate with and without embedding, HNSW build time, recall@10
 * against PostgreSQL's exact search per `ef_search` beside hnswlib on the same vectors, latency and
 * queries/s at 1 and 8 clients, PostgreSQL full-text against Sieve's BM25, and one cascade with
 * PostgreSQL retrieval against the same cascade with in-process retrieval.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  createLatencyHistogram,
  documentContents,
  type EmbedderV1,
  type LatencySummary,
  ndcgAtK,
  recallAtK,
  type SieveDocument,
} from '@sieve/core';
import { createOnnxEmbedder } from '@sieve/onnx';
import {
  createPgTextRetriever,
  createPgVectorRetriever,
  ensurePgSchema,
  loadPgCorpus,
} from '@sieve/postgres';
import {
  createBm25Retriever,
  createDenseRetriever,
  createHybridRetriever,
  loadBeirDataset,
} from '@sieve/retrieval';
import pg from 'pg';
import { toSql } from 'pgvector';
import { parseCascadeShape } from '../evaluate/cascade-shape.js';
import { loadOrBuildDenseIndex } from '../evaluate/dense-index.js';
import { type EvaluationRetrievers, evaluateShape } from '../evaluate/evaluate-cascade.js';
import { indexCorpus } from '../index-command/index-corpus.js';
import { indexEmbedder } from '../index-command/run-index.js';
import type {
  PostgresBenchResult,
  PostgresConcurrencyRow,
  PostgresLexicalRow,
  PostgresLoadRow,
  PostgresRecallRow,
} from '../results/postgres-bench-result.js';
import { saveResult } from '../results/save-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { chooseModels } from '../support/model-choice.js';
import { startThrowawayPgServer } from './throwaway-pg-server.js';

/** Where a cascade's retrievers run. */
type CascadeRetrieval = NonNullable<PostgresBenchResult['cascade']>['rows'][number]['retrieval'];

/** Options of {@link benchPostgres} (the flags of `sieve bench postgres`). */
export interface PostgresBenchOptions {
  /** A server with pgvector (`--pg`); its `sieve_bench` tables are dropped and made again. */
  pg?: string;
  /** @default `<models>/all-MiniLM-L6-v2-real`, else the hub's `Xenova/all-MiniLM-L6-v2` */
  embedder?: string;
  /** @default 16 */
  m?: number;
  /** @default 64 */
  efConstruction?: number;
  /** @default 256 */
  batchSize?: number;
  /** The first N judged test queries. @default all */
  queries?: number;
  /** `ef_search` values of the recall sweep. @default [10, 20, 40, 80, 160] */
  efSearch?: readonly number[];
  /** Concurrent clients of the latency cells. @default [1, 8] */
  clients?: readonly number[];
  /** Documents loaded with the embedder in the timed load. @default 512 */
  embedSample?: number;
  /** The cascade's reranker (int8). @default `<models>/sieve-eval-MiniLM-L6-scifact`, else ms-marco */
  reranker?: string;
  /** The cascade shape. @default 'hybrid=30,minilm=10' */
  shape?: string;
  /** @default false */
  skipCascade?: boolean;
}

const schema = 'sieve_bench';
/** The `ef_search` of the concurrency cells and of the cascade's pgvector retriever. */
const servingEfSearch = 40;

/** An embedder that answers from vectors computed earlier: loads that leave embedding out. */
function precomputedEmbedder(
  embedder: EmbedderV1,
  vectorOf: ReadonlyMap<string, Float32Array>,
): EmbedderV1 {
  return {
    specificationVersion: 'v1',
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    doEmbed: async ({ texts }) => ({
      embeddings: texts.map((text) => {
        const vector = vectorOf.get(text);
        if (!vector)
          throw new Error(`[bench postgres] no precomputed vector for '${text.slice(0, 40)}'`);
        return vector;
      }),
    }),
  };
}

/**
 * The corpus vectors of the dense-index cache (`sieve eval`'s, keyed by model, weights and
 * corpus), from the loaded retriever (`getVector`). Built (the corpus embedded) on a miss.
 */
async function corpusVectors(
  context: CliContext,
  embedder: EmbedderV1,
  model: string,
  corpus: readonly SieveDocument[],
) {
  const progress = context.progress('embed corpus', corpus.length);
  const index = await loadOrBuildDenseIndex({
    embedder,
    model,
    dtype: 'fp32',
    dataset: context.datasetDir,
    corpus,
    cacheFolder: join(context.root, '.cache', 'indexes'),
    progress,
    warn: context.warn,
  }).finally(() => progress.done());
  const byId = new Map<string, Float32Array>();
  for (const document of corpus) {
    const vector = index.dense.getVector(document.id);
    if (vector !== undefined) byId.set(document.id, vector);
  }
  return { index, byId };
}

/** Runs `work` for each item from `clients` concurrent loops; the latency of each call. */
async function concurrently<T>(
  items: readonly T[],
  clients: number,
  work: (item: T) => Promise<unknown>,
): Promise<{ seconds: number; latencyMs: LatencySummary }> {
  const latency = createLatencyHistogram();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const start = performance.now();
        await work(item);
        latency.record(performance.now() - start);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencyMs: latency.summary() };
}

const overlap = (found: readonly { id: string }[], truth: ReadonlySet<string>): number =>
  found.filter((candidate) => truth.has(candidate.id)).length;

const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 0);

/** `sieve bench postgres`; see the module comment. */
export async function benchPostgres(
  context: CliContext,
  options: PostgresBenchOptions = {},
): Promise<PostgresBenchResult> {
  const started = performance.now();
  const loadAverageAtStart = loadavg()[0]!;
  requirePaths({ dataset: context.datasetDir }, benchInputsHint);
  const m = options.m ?? 16;
  const efConstruction = options.efConstruction ?? 64;
  const efSearches = options.efSearch ?? [10, 20, 40, 80, 160];
  const model = indexEmbedder(context, options.embedder);
  const { corpus, queries: allQueries, qrels } = await loadBeirDataset(context.datasetDir, 'test');
  const judged = [...allQueries].filter(([id]) => (qrels.get(id)?.size ?? 0) > 0);
  const queries = judged.slice(0, options.queries ?? judged.length);
  const machine = describeMachine();
  context.print(
    `postgres on ${machineLine(machine)}: ${corpus.length} documents, ${queries.length} test queries, ${model}`,
  );
  const embedder = await createOnnxEmbedder({ model, dtype: 'fp32' });
  const server = options.pg ? undefined : await startThrowawayPgServer(context.root);
  const url = options.pg ?? server!.url;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  const closers: Array<() => Promise<void>> = [];
  try {
    const [{ version, pgvector }] = (
      await pool.query<{ version: string; pgvector: string }>(
        "SELECT current_setting('server_version') AS version, (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS pgvector",
      )
    ).rows as [{ version: string; pgvector: string }];
    context.print(
      `server: PostgreSQL ${version}, pgvector ${pgvector}${server ? ' (throwaway, tools/pg-test-server.py)' : ''}`,
    );
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);

    // The vectors, once: from the dense-index cache when an earlier run embedded the corpus.
    const vectorsStart = performance.now();
    const { index: cached, byId } = await corpusVectors(context, embedder, model, corpus);
    const vectorsSeconds = (performance.now() - vectorsStart) / 1000;
    context.print(
      cached.built
        ? `corpus embedded in ${cached.embedSeconds.toFixed(1)} s (${(corpus.length / cached.embedSeconds).toFixed(1)} documents/s, fp32); cached in ${cached.folder}`
        : `corpus vectors loaded from ${cached.folder} (embedded by an earlier run)`,
    );
    const vectorOf = new Map(
      corpus.map((document) => [documentContents(document), byId.get(document.id)!]),
    );
    const precomputed = precomputedEmbedder(embedder, vectorOf);
    const queryStart = performance.now();
    const queryVectors: Float32Array[] = [];
    for (let start = 0; start < queries.length; start += 64) {
      const batch = queries.slice(start, start + 64).map(([, text]) => text);
      queryVectors.push(...(await embedder.doEmbed({ texts: batch })).embeddings);
    }
    context.print(
      `${queries.length} queries embedded in ${((performance.now() - queryStart) / 1000).toFixed(1)} s`,
    );

    // Loads: the main table (index after), the index during the load, embedding included.
    const table = `${schema}.scifact`;
    const loads: PostgresLoadRow[] = [];
    const loaded = await indexCorpus({
      connectionString: url,
      table,
      documents: corpus,
      embedder: precomputed,
      m,
      efConstruction,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    loads.push({
      label: 'index after the load (sieve index)',
      documents: loaded.inserted,
      embeddingIncluded: false,
      loadSeconds: loaded.loadSeconds,
      documentsPerSecond: loaded.inserted / loaded.loadSeconds,
      indexSeconds: loaded.indexSeconds,
    });
    const during = `${schema}.scifact_incremental`;
    await ensurePgSchema({
      connectionString: url,
      table: during,
      dimensions: embedder.dimensions,
      m,
      efConstruction,
    });
    const duringStart = performance.now();
    await loadPgCorpus({
      connectionString: url,
      table: during,
      documents: corpus,
      embedder: precomputed,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    const duringSeconds = (performance.now() - duringStart) / 1000;
    loads.push({
      label: 'index during the load',
      documents: corpus.length,
      embeddingIncluded: false,
      loadSeconds: duringSeconds,
      documentsPerSecond: corpus.length / duringSeconds,
      indexSeconds: null,
    });
    await pool.query(`DROP TABLE ${during}`);
    const sample = corpus.slice(0, options.embedSample ?? 512);
    const embeddedTable = `${schema}.scifact_embedded`;
    const embedded = await indexCorpus({
      connectionString: url,
      table: embeddedTable,
      documents: sample,
      embedder,
      m,
      efConstruction,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    });
    loads.push({
      label: `embedding included (first ${sample.length} documents, fp32)`,
      documents: embedded.inserted,
      embeddingIncluded: true,
      loadSeconds: embedded.loadSeconds,
      documentsPerSecond: embedded.inserted / embedded.loadSeconds,
      indexSeconds: embedded.indexSeconds,
    });
    await pool.query(`DROP TABLE ${embeddedTable}`);
    for (const row of loads) {
      context.print(
        `load, ${row.label}: ${row.documents} documents in ${row.loadSeconds.toFixed(2)} s = ${row.documentsPerSecond.toFixed(0)} documents/s${row.indexSeconds === null ? '' : `; HNSW build ${row.indexSeconds.toFixed(2)} s`}`,
      );
    }
    const sizes = (
      await pool.query<{ index: string; table: string }>(
        `SELECT (SELECT sum(pg_relation_size(indexrelid))::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = $1::regclass AND a.amname = 'hnsw') AS index, pg_total_relation_size($1::regclass)::text AS table`,
        [table],
      )
    ).rows[0]!;
    const hnsw = {
      m,
      efConstruction,
      indexBytes: Number(sizes.index),
      tableBytes: Number(sizes.table),
    };
    context.print(
      `HNSW index (m ${m}, ef_construction ${efConstruction}): ${(hnsw.indexBytes / 2 ** 20).toFixed(1)} MiB; table with its indexes ${(hnsw.tableBytes / 2 ** 20).toFixed(1)} MiB`,
    );

    // Exact search in PostgreSQL: the same ORDER BY with index scans off (a sequential scan).
    const exactSql = `SELECT id FROM ${table} ORDER BY embedding <=> $1::vector LIMIT 10`;
    const exact: Array<Set<string>> = [];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_indexscan = off');
      for (const vector of queryVectors) {
        const { rows } = await client.query<{ id: string }>(exactSql, [toSql(Array.from(vector))]);
        exact.push(new Set(rows.map((row) => row.id)));
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const scanned = queryVectors.reduce(
      (sum, vector, position) =>
        sum + overlap(cached.dense.searchVector(vector, 10, 'exact'), exact[position]!),
      0,
    );
    const exactAgreementAt10 = scanned / (queryVectors.length * 10);
    context.print(
      `exact search, PostgreSQL vs a scan in JavaScript: top-10 overlap ${exactAgreementAt10.toFixed(4)}`,
    );

    // Recall against exact and latency per ef_search, pgvector beside hnswlib (same m, efConstruction).
    const items = corpus.map((document) => ({ id: document.id, vector: byId.get(document.id)! }));
    let hnswlibBuildMs = 0;
    const recall: PostgresRecallRow[] = [];
    for (const efSearch of efSearches) {
      const pgDense = await createPgVectorRetriever({
        connectionString: url,
        table,
        embedder,
        efSearch,
      });
      const local = await createDenseRetriever({ embedder, m, efConstruction, efSearch });
      const buildStart = performance.now();
      await local.addVectors(items);
      hnswlibBuildMs ||= performance.now() - buildStart;
      const pgLatency = createLatencyHistogram();
      const localLatency = createLatencyHistogram();
      let pgFound = 0;
      let localFound = 0;
      await pgDense.searchVector(queryVectors[0]!, { topK: 10 }); // a warm connection
      for (const [position, vector] of queryVectors.entries()) {
        const pgStart = performance.now();
        const fromPg = await pgDense.searchVector(vector, { topK: 10 });
        pgLatency.record(performance.now() - pgStart);
        const localStart = performance.now();
        const fromLocal = local.searchVector(vector, 10, 'hnsw');
        localLatency.record(performance.now() - localStart);
        pgFound += overlap(fromPg, exact[position]!);
        localFound += overlap(fromLocal, exact[position]!);
      }
      await pgDense.close();
      const row: PostgresRecallRow = {
        efSearch,
        pgvector: {
          recallAt10: pgFound / (queryVectors.length * 10),
          latencyMs: pgLatency.summary(),
        },
        hnswlib: {
          recallAt10: localFound / (queryVectors.length * 10),
          latencyMs: localLatency.summary(),
        },
      };
      recall.push(row);
      context.print(
        `ef_search ${efSearch}: pgvector recall@10 ${row.pgvector.recallAt10.toFixed(4)}, p50/p99 ${ms(row.pgvector.latencyMs.p50)}/${ms(row.pgvector.latencyMs.p99)} ms; hnswlib recall@10 ${row.hnswlib.recallAt10.toFixed(4)}, p50/p99 ${ms(row.hnswlib.latencyMs.p50)}/${ms(row.hnswlib.latencyMs.p99)} ms`,
      );
    }
    context.print(
      `hnswlib build (m ${m}, efConstruction ${efConstruction}): ${hnswlibBuildMs.toFixed(0)} ms`,
    );

    // Clients at once: every query (at least 300 requests), the query vectors precomputed.
    const concurrency: PostgresConcurrencyRow[] = [];
    const serving = await createPgVectorRetriever({
      connectionString: url,
      table,
      embedder,
      efSearch: servingEfSearch,
    });
    closers.push(() => serving.close());
    const requests = Array.from(
      { length: Math.max(300, queryVectors.length) },
      (_, index) => queryVectors[index % queryVectors.length]!,
    );
    for (const clients of options.clients ?? [1, 8]) {
      await concurrently(requests.slice(0, clients * 2), clients, (vector) =>
        serving.searchVector(vector, { topK: 10 }),
      );
      const run = await concurrently(requests, clients, (vector) =>
        serving.searchVector(vector, { topK: 10 }),
      );
      const row = {
        clients,
        efSearch: servingEfSearch,
        requests: requests.length,
        queriesPerSecond: requests.length / run.seconds,
        latencyMs: run.latencyMs,
      };
      concurrency.push(row);
      context.print(
        `${clients} client${clients === 1 ? '' : 's'}, ef_search ${servingEfSearch}: ${row.queriesPerSecond.toFixed(0)} queries/s, p50/p99 ${ms(row.latencyMs.p50)}/${ms(row.latencyMs.p99)} ms (vector search only; the query embedding is not in it)`,
      );
    }

    // First stages on text: PostgreSQL full-text against BM25, nDCG@10 over the judged queries.
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const pgAny = await createPgTextRetriever({
      connectionString: url,
      table,
      match: 'any',
      stageId: 'pg-text',
    });
    const pgWebsearch = await createPgTextRetriever({
      connectionString: url,
      table,
      match: 'websearch',
      stageId: 'pg-text-websearch',
    });
    closers.push(
      () => pgAny.close(),
      () => pgWebsearch.close(),
    );
    const lexical: PostgresLexicalRow[] = [];
    for (const [name, retriever] of [
      ['PostgreSQL full-text, any word (ts_rank_cd)', pgAny],
      ['PostgreSQL full-text, websearch_to_tsquery (all words)', pgWebsearch],
      ['Sieve BM25 (in process)', bm25],
    ] as const) {
      const latency = createLatencyHistogram();
      let ndcg = 0;
      let recallAt100 = 0;
      for (const [id, query] of queries) {
        const start = performance.now();
        const ranked = (await retriever.doRetrieve({ query, topK: 100 })).map(
          (candidate) => candidate.id,
        );
        latency.record(performance.now() - start);
        ndcg += ndcgAtK(ranked, qrels.get(id)!, 10);
        recallAt100 += recallAtK(ranked, qrels.get(id)!, 100);
      }
      const row = {
        retriever: name,
        ndcgAt10: ndcg / queries.length,
        recallAt100: recallAt100 / queries.length,
        latencyMs: latency.summary(),
      };
      lexical.push(row);
      context.print(
        `${name}: nDCG@10 ${row.ndcgAt10.toFixed(4)}, R@100 ${row.recallAt100.toFixed(4)}, p50 ${ms(row.latencyMs.p50)} ms`,
      );
    }

    let cascade: PostgresBenchResult['cascade'] = null;
    if (!options.skipCascade) {
      const shape = parseCascadeShape(options.shape ?? 'hybrid=30,minilm=10');
      const reranker = chooseModels(
        context,
        {
          reranker: {
            flag: 'reranker',
            value: options.reranker,
            name: 'sieve-eval-MiniLM-L6-scifact',
            hubId: 'Xenova/ms-marco-MiniLM-L-6-v2',
            needed: true,
          },
        },
        { preferLocal: true },
      ).reranker!;
      const pgDense = await createPgVectorRetriever({
        connectionString: url,
        table,
        embedder,
        efSearch: Math.max(servingEfSearch, shape.retrievalTopK),
      });
      closers.push(() => pgDense.close());
      // PostgreSQL for both halves; pgvector with Sieve's BM25 (full-text ranking is the weaker
      // half); both halves in process, on the same vectors.
      const runs: Array<[CascadeRetrieval, EvaluationRetrievers]> = [
        [
          'postgres',
          {
            bm25: pgAny,
            dense: pgDense,
            hybrid: createHybridRetriever({ retrievers: [pgAny, pgDense] }),
          },
        ],
        [
          'pgvector + bm25',
          { bm25, dense: pgDense, hybrid: createHybridRetriever({ retrievers: [bm25, pgDense] }) },
        ],
        [
          'in-process',
          {
            bm25,
            dense: cached.dense,
            hybrid: createHybridRetriever({ retrievers: [bm25, cached.dense] }),
          },
        ],
      ];
      const rows: NonNullable<PostgresBenchResult['cascade']>['rows'] = [];
      const shapes = [parseCascadeShape(`${shape.retriever}=${shape.retrievalTopK}`), shape];
      for (const evaluated of shapes) {
        for (const [retrieval, retrievers] of runs) {
          const progress = context.progress(`${retrieval} ${evaluated.id}`, queries.length);
          const {
            stats: _stats,
            topIds: _topIds,
            ...evaluation
          } = await evaluateShape(
            evaluated,
            {
              corpus,
              retrievers,
              queries,
              qrels,
              models: {
                embedder: model,
                embedderDtype: 'fp32',
                prefilter: null,
                reranker,
                prefilterDtype: 'fp32',
                rerankerDtype: 'int8',
              },
            },
            progress,
          ).finally(() => progress.done());
          rows.push({ retrieval, evaluation });
          context.print(
            `${evaluated.id} with ${retrieval} retrieval: nDCG@10 ${evaluation.ndcgAt10.toFixed(4)}, R@${evaluated.retrievalTopK} ${evaluation.retrievalRecall.toFixed(4)}, p50/p95 ${ms(evaluation.latencyMs.p50)}/${ms(evaluation.latencyMs.p95)} ms per query`,
          );
        }
      }
      cascade = { shape: shape.id, reranker, rows };
    }

    const result: PostgresBenchResult = {
      benchmark: 'postgres',
      command: ['sieve', ...process.argv.slice(2)].join(' '),
      machine,
      server: {
        url: url.replace(/:[^:@/]*@/u, ':***@'),
        version,
        pgvector,
        throwaway: server !== undefined,
      },
      dataset: context.datasetDir,
      documents: corpus.length,
      queries: queries.length,
      embedder: model,
      vectors: { cached: !cached.built, seconds: vectorsSeconds, folder: cached.folder },
      hnsw,
      loads,
      exactAgreementAt10,
      hnswlibBuildMs,
      recall,
      concurrency,
      lexical,
      cascade,
      seconds: (performance.now() - started) / 1000,
      loadAverage: { start: loadAverageAtStart, end: loadavg()[0]! },
    };
    context.print(
      `postgres bench: ${result.seconds.toFixed(0)} s; 1-minute load average ${result.loadAverage.start.toFixed(1)} at the start, ${result.loadAverage.end.toFixed(1)} at the end (${machine.cores} cores)`,
    );
    saveResult(context, 'postgres', result);
    return result;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await embedder.dispose();
    await server?.stop();
  }
}
