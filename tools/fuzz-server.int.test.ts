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
  !['', '0', 'false', undefined].includes(process.env.CI) || process.env.SIEVE_REQUIRE_FUZZ === '1';
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

  it('finds no 5xx, no undocumented response and no valid request refused (strict), and the server still answers /health', async () => {
    expect(existsSync(schemathesis), 'schemathesis is not in tools/.venv').toBe(true);
    const { code, output } = await run(python, [script, url, '--max-examples', '50', '--strict']);
    const requests = Number(/fuzz_server: (\d+) requests/.exec(output)?.[1] ?? 0);
    console.info(`[tools] fuzz_server sent ${requests} requests`);
    expect(code, output.slice(-20_000)).toBe(0);
    expect(requests).toBeGreaterThan(100);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
  }, 600_000);
});

// Found by `tools/fuzz_server.py --strict` (Schemathesis's positive_data_acceptance): the OpenAPI
// document of the rerank routes allowed an empty `query` and empty `texts`/`documents` that the
// server refuses. The wire schemas now say so (and still answer TEI's 400 for no texts).
/** The part of a request body's JSON Schema the reproduction reads. */
interface RequestSchema {
  properties: Record<string, { pattern?: string; minItems?: number }>;
}

describe('the OpenAPI document describes what the rerank routes accept', () => {
  it('documents the non-empty query and texts that the server requires', async () => {
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
        // A query needs one non-blank character (`\S`), which is what the server checks.
        expect(schema.properties.query?.pattern, `${path} query`).toBe('\\S');
        expect(schema.properties[field]?.minItems, `${path} ${field}`).toBe(1);
      }
    } finally {
      await server.close();
      await reranker.dispose();
    }
  });
});
