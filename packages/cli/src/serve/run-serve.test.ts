import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { beirMini, onnxFixtures, testContext } from '../support/test-context.js';
import { runServe } from './run-serve.js';
import { readServeConfig } from './serve-config.js';

const model = join(onnxFixtures, 'tiny-bert-cross-encoder');

/** Writes `content` as JSON (or as is, for a string) into a fresh folder; returns the path. */
function writeConfig(content: unknown, name = 'serve.json'): string {
  const folder = mkdtempSync(join(tmpdir(), 'sieve-serve-test-'));
  const path = join(folder, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const cascade = {
  version: 1,
  retrieval: { retriever: 'bm25', depth: 20 },
  models: { reranker: { model, dtype: 'fp32' } },
  stages: [{ model: 'reranker', topK: 5 }],
  topK: 3,
};

/** The issues of the InvalidConfigError `run` throws. */
function issuesOf(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    if (InvalidConfigError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('readServeConfig', () => {
  it('accepts a bare cascade config as { cascade }, the reranker being its last stage', () => {
    const config = readServeConfig(writeConfig(cascade));
    expect(config.cascade.stages).toHaveLength(1);
    expect(config.rerankModel).toBe('reranker');
  });

  it('reads a cascade file named by a serve config, resolving paths against the files', () => {
    const cascadePath = writeConfig(cascade, 'tuned.json');
    const path = join(cascadePath, '..', 'serve.json');
    writeFileSync(path, JSON.stringify({ cascade: './tuned.json', corpus: './corpus', port: 0 }));
    const config = readServeConfig(path);
    expect(config.cascade.topK).toBe(3);
    expect(config.corpus).toBe(join(cascadePath, '..', 'corpus'));
  });

  it('names the field of every problem before loading anything', () => {
    expect(issuesOf(() => readServeConfig(writeConfig('{ not json')))[0]!.message).toMatch(
      /not valid JSON/,
    );
    expect(issuesOf(() => readServeConfig('/no/such/serve.json'))[0]!.message).toMatch(
      /cannot read/,
    );
    expect(issuesOf(() => readServeConfig(writeConfig({ cascade, prot: 1 })))[0]!.message).toMatch(
      /prot/,
    );
    expect(
      issuesOf(() =>
        readServeConfig(writeConfig({ cascade, server: { batching: { maxPairs: 0 } } })),
      )[0]!.path,
    ).toBe('server.batching.maxPairs');
    expect(
      issuesOf(() =>
        readServeConfig(
          writeConfig({ cascade: { ...cascade, stages: [{ model: 'reranker', topK: -1 }] } }),
        ),
      )[0]!.path,
    ).toBe('cascade.stages.0.topK');
    expect(
      issuesOf(() => readServeConfig(writeConfig({ cascade, rerankModel: 'nope' })))[0]!.path,
    ).toBe('rerankModel');
  });
});

describe('runServe', () => {
  it('needs a config or a reranker', async () => {
    await expect(runServe(testContext(), {})).rejects.toThrow(InvalidArgumentError);
  });

  it('serves the config: /rerank with its reranker, /search over the corpus; stops when aborted', async () => {
    const context = testContext();
    const controller = new AbortController();
    let url = '';
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => {
      listening = resolve;
    });
    const stopped = runServe(context, {
      config: writeConfig({ cascade, corpus: beirMini, port: 0 }),
      abortSignal: controller.signal,
      onListening: (address) => {
        url = address;
        listening();
      },
    });
    await Promise.race([ready, stopped]);
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const rerank = await post('/rerank', { query: 'aspirin', texts: ['aspirin', 'paris'] });
    expect(rerank.status).toBe(200);
    expect(await rerank.json()).toHaveLength(2);
    const search = await post('/search', { query: 'aspirin' });
    expect(search.status).toBe(200);
    const body = (await search.json()) as { results: Array<{ scores: Record<string, number> }> };
    expect(body.results.length).toBeGreaterThan(0);
    expect(Object.keys(body.results[0]!.scores)).toContain('reranker');
    controller.abort();
    await expect(stopped).resolves.toEqual({ url, stoppedBy: 'aborted' });
    expect(context.lines.some((line) => line.includes('listening on'))).toBe(true);
    expect(context.lines.at(-1)).toBe('sieve serve: stopped');
  });

  it('refuses a config error before loading models', async () => {
    await expect(
      runServe(testContext(), {
        config: writeConfig({ cascade: { ...cascade, topK: 0 } }),
      }),
    ).rejects.toThrow(/cascade\.topK/);
  });
});
