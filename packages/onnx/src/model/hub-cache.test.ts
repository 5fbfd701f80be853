import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '@sieve/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFromHub, hubCacheDir } from './hub-cache.js';

const COMMIT = 'a'.repeat(40);
const files: Record<string, string> = {
  'config.json': '{"model_type":"bert"}',
  'onnx/model.onnx': 'x'.repeat(50_000),
};
let truncatedHits = 0;
let requests: string[] = [];

/** A fake hub: /{repo}/resolve/{revision}/{file}, with a redirect for LFS files like the real one. */
function startHub(): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const blob = url.match(/^\/blobs\/(.+)$/);
    if (blob) {
      const body = files[decodeURIComponent(blob[1]!)]!;
      response.writeHead(200, {
        'content-length': Buffer.byteLength(body),
        etag: '"blob-etag"',
        'x-repo-commit': COMMIT,
      });
      response.end(body);
      return;
    }
    const match = url.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    if (!match) return void response.writeHead(400).end();
    const [, repo, , file] = match as unknown as [string, string, string, string];
    if (repo === 'org/truncated' && file === 'onnx/model.onnx' && truncatedHits++ === 0) {
      // Promise 50,000 bytes, send 100, then cut the connection: the first attempt must fail cleanly.
      response.writeHead(200, { 'content-length': 50_000, 'x-repo-commit': COMMIT, etag: '"t"' });
      response.write('x'.repeat(100));
      setTimeout(() => response.destroy(), 10);
      return;
    }
    if (repo === 'org/slow' && file === 'config.json') {
      response.writeHead(200, { 'x-repo-commit': COMMIT, etag: '"slow"' });
      response.write('{');
      return; // never finishes: the idle timeout must fire
    }
    const body = files[file];
    if (body === undefined) return void response.writeHead(404).end('not found');
    if (file.endsWith('.onnx')) {
      response.writeHead(302, {
        location: `/blobs/${encodeURIComponent(file)}`,
        'x-repo-commit': COMMIT,
      });
      response.end();
      return;
    }
    response.writeHead(200, {
      'content-length': Buffer.byteLength(body),
      etag: `"${file.length}-etag"`,
      'x-repo-commit': COMMIT,
    });
    response.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('hub download into the Hugging Face cache layout', () => {
  let hub: { server: Server; endpoint: string };
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => new Promise<void>((resolve) => hub.server.close(() => resolve())));

  const wanted = [
    { path: 'config.json' },
    { path: 'tokenizer.json', optional: true },
    { path: 'onnx/model.onnx' },
  ];

  it('downloads through redirects into blobs/, snapshots/<commit>/ and refs/, with progress', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const progress: number[] = [];
    const { folder, missing } = await downloadFromHub('org/model', wanted, {
      endpoint: hub.endpoint,
      cacheDir,
      onProgress: (event) => {
        if (event.file === 'onnx/model.onnx') progress.push(event.loadedBytes);
      },
    });
    const repo = join(cacheDir, 'models--org--model');
    expect(folder).toBe(join(repo, 'snapshots', COMMIT));
    expect(missing).toEqual(['tokenizer.json']);
    expect(readFileSync(join(folder, 'onnx/model.onnx'), 'utf8')).toHaveLength(50_000);
    expect(readlinkSync(join(folder, 'config.json'))).toMatch(/^\.\.\/\.\.\/blobs\//);
    expect(readFileSync(join(repo, 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(progress.at(-1)).toBe(50_000);
    expect(readdirSync(join(repo, 'blobs')).some((name) => name.endsWith('.incomplete'))).toBe(
      false,
    );

    // A second call is served from the cache, without the network.
    requests = [];
    await downloadFromHub('org/model', wanted, { endpoint: hub.endpoint, cacheDir });
    expect(requests).toEqual([]);
    // Offline mode uses the cache too.
    const offline = await downloadFromHub('org/model', wanted, {
      endpoint: 'http://127.0.0.1:9',
      cacheDir,
      offline: true,
    });
    expect(offline.folder).toBe(folder);
  });

  it('retries a truncated body and never keeps a half-written file', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const { folder } = await downloadFromHub('org/truncated', wanted, {
      endpoint: hub.endpoint,
      cacheDir,
    });
    expect(readFileSync(join(folder, 'onnx/model.onnx'), 'utf8')).toHaveLength(50_000);
    expect(truncatedHits).toBe(2);
  });

  it('gives a typed error for a missing required file (404)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const error = await downloadFromHub('org/model', [{ path: 'onnx/model_fp16.onnx' }], {
      endpoint: hub.endpoint,
      cacheDir,
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).message).toContain('404');
  });

  it('times out a stalled body, retries, then fails with a typed error and no partial file', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const error = await downloadFromHub('org/slow', [{ path: 'config.json' }], {
      endpoint: hub.endpoint,
      cacheDir,
      idleTimeoutMs: 100,
      attempts: 2,
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).message).toContain('after 2 attempts');
    const blobs = join(cacheDir, 'models--org--slow', 'blobs');
    expect(existsSync(blobs) ? readdirSync(blobs) : []).toEqual([]);
  });

  it('says so clearly when offline and the file is not cached', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const error = await downloadFromHub('org/model', wanted, { cacheDir, offline: true }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).message).toContain('offline');
  });

  it('reports a network failure with the fix', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-'));
    const error = await downloadFromHub('org/model', wanted, {
      endpoint: 'http://127.0.0.1:9',
      cacheDir,
      attempts: 1,
    }).catch((caught: unknown) => caught);
    expect((error as ModelLoadError).message).toContain('HF_HUB_OFFLINE');
  });

  it('honours HF_HOME and HF_HUB_CACHE', () => {
    const saved = { home: process.env.HF_HOME, cache: process.env.HF_HUB_CACHE };
    process.env.HF_HUB_CACHE = '';
    delete process.env.HF_HUB_CACHE;
    process.env.HF_HOME = '/tmp/hf-home';
    expect(hubCacheDir()).toBe('/tmp/hf-home/hub');
    process.env.HF_HUB_CACHE = '/tmp/hub-cache';
    expect(hubCacheDir()).toBe('/tmp/hub-cache');
    expect(hubCacheDir({ cacheDir: '/x' })).toBe('/x');
    if (saved.home === undefined) delete process.env.HF_HOME;
    else process.env.HF_HOME = saved.home;
    if (saved.cache === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved.cache;
  });
});
