// Fuzzes a real server (the tiny fixture reranker, a small BM25 cascade) from its OpenAPI document
// with tools/fuzz_server.py (Schemathesis): no 5xx, documented responses conform, and the server
// still answers afterwards. Needs Schemathesis in tools/.venv; skips without it unless CI or
// SIEVE_REQUIRE_FUZZ=1 asks for it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCascade } from '@sieve/cascade';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { createServer, type SieveServer } from '@sieve/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, python, root } from './model-tools-test-support.js';

const script = join(root, 'tools/fuzz_server.py');
const schemathesis = join(root, 'tools/.venv/bin/schemathesis');
/** Whether the fuzz test must run: under CI, or with SIEVE_REQUIRE_FUZZ=1. */
const required =
  !['', '0', 'false', undefined].includes(process.env.CI) ||
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read by vitest directly, not through turbo; belongs in turbo.json's globalPassThroughEnv beside SIEVE_REQUIRE_TRAINED
  process.env.SIEVE_REQUIRE_FUZZ === '1';
const fuzzRuns = existsSync(schemathesis) || required;
if (!fuzzRuns) {
  console.warn(
    '[tools] skipping the server fuzz test: schemathesis is not in tools/.venv (tools/.venv/bin/pip install -r tools/requirements.txt)',
  );
}

const corpus = [
  { id: 'd1', title: 'Aspirin', text: 'Aspirin lowers the risk of stroke in adults.' },
  { id: 'd2', title: 'Statins', text: 'Statins reduce cholesterol in the blood.' },
  { id: 'd3', title: 'Paris', text: 'The Eiffel tower stands in Paris.' },
  { id: 'd4', title: 'Stroke', text: 'A stroke happens when blood flow to the brain stops.' },
  { id: 'd5', title: 'Coffee', text: 'Coffee in the evening delays sleep.' },
];

/** Runs a command to its end without blocking the event loop (the server answers meanwhile). */
function run(command: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe.skipIf(!fuzzRuns)('fuzzing the server from its OpenAPI document (Schemathesis)', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;

  beforeAll(async () => {
    reranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      stages: [{ scorer: reranker, topK: 3 }],
      topK: 3,
    });
    server = createServer({ reranker, cascade });
    ({ url } = await server.listen({ port: 0 }));
    await server.ready();
  });

  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  it('finds no 5xx and no undocumented response, and the server still answers /health', async () => {
    expect(existsSync(schemathesis), 'schemathesis is not in tools/.venv').toBe(true);
    const { code, output } = await run(python, [script, url, '--max-examples', '50']);
    const requests = Number(/fuzz_server: (\d+) requests/.exec(output)?.[1] ?? 0);
    console.info(`[tools] fuzz_server sent ${requests} requests`);
    expect(code, output.slice(-20_000)).toBe(0);
    expect(requests).toBeGreaterThan(100);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
  }, 600_000);
});

// Found by `tools/fuzz_server.py --strict` (Schemathesis's positive_data_acceptance, ST202): the
// OpenAPI document of the rerank routes allows an empty `query` and empty `texts`/`documents` (no
// minLength, no minItems), while the server refuses them. Skipped until the document (or the
// server) is fixed; it needs no Schemathesis.
//   POST /rerank    {"query": "0", "texts": []}     -> 400 {"code":"empty","path":"texts",...}
//   POST /rerank    {"query": "", "texts": ["a"]}  -> 422 {"code":"validation","path":"query",...}
//   POST /v1/rerank {"query": "", "documents": ["a"]} and /v2/rerank: 422 the same
//   POST /v1/rerank {"query": "0", "documents": []} and /v2/rerank: 422 {"code":"empty",...}
/** The part of a request body's JSON Schema the reproduction reads. */
interface RequestSchema {
  properties: Record<string, { minLength?: number; minItems?: number }>;
}

describe('the OpenAPI document describes what the rerank routes accept', () => {
  it.skip('documents the non-empty query and texts that the server requires', async () => {
    const reranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    const server = createServer({ reranker, warmUp: false });
    try {
      const { url } = await server.listen({ port: 0 });
      const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
        paths: Record<
          string,
          { post: { requestBody: { content: Record<string, { schema: RequestSchema }> } } }
        >;
      };
      for (const [path, field] of [
        ['/rerank', 'texts'],
        ['/v1/rerank', 'documents'],
        ['/v2/rerank', 'documents'],
      ] as const) {
        const refused = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '', [field]: [] }),
        });
        expect(refused.status).toBeGreaterThanOrEqual(400);
        const schema = document.paths[path]!.post.requestBody.content['application/json']!.schema;
        expect(schema.properties.query?.minLength, `${path} query`).toBe(1);
        expect(schema.properties[field]?.minItems, `${path} ${field}`).toBe(1);
      }
    } finally {
      await server.close();
      await reranker.dispose();
    }
  });
});
