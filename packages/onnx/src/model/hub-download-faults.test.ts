import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '@sieve/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFromHub } from './hub-cache.js';

const COMMIT = 'b'.repeat(40);
// 256 KiB of varied bytes: a cut shows in the hash, not only in the size.
const model = Buffer.from(Array.from({ length: 256 * 1024 }, (_, index) => (index * 131) % 251));
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const modelSha = sha(model);
const HALF = model.length / 2;

/** Requests per repo; the first `cuts[repo]` of them are cut halfway. */
const hits = new Map<string, number>();
const cuts: Record<string, number> = {
  'org/cut-once': 1,
  'org/cut-retry': 1,
  'org/cut-always': Number.POSITIVE_INFINITY,
  'org/no-length': 1,
};

/**
 * A hub serving one LFS file (`onnx/model.onnx`, with its sha256 as X-Linked-Etag like the real
 * one). Cut requests announce the full Content-Length, send half the file, then destroy the
 * socket; `org/no-length` sends no length at all and closes the connection cleanly after half
 * (a close-delimited body: only the hash can tell it is short).
 */
function startHub(): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((request, response) => {
    const match = (request.url ?? '').match(/^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/);
    if (match?.[2] !== 'onnx/model.onnx') return void response.writeHead(404).end();
    const repo = match[1]!;
    const hit = (hits.get(repo) ?? 0) + 1;
    hits.set(repo, hit);
    const cut = hit <= (cuts[repo] ?? 0);
    const headers = { 'x-repo-commit': COMMIT, 'x-linked-etag': `"${modelSha}"`, etag: '"e"' };
    if (repo === 'org/no-length') {
      // HTTP/1.0 style: no Content-Length, no chunking; the body ends when the socket closes.
      const socket = response.socket!;
      const body = cut ? model.subarray(0, HALF) : model;
      socket.write(
        `HTTP/1.1 200 OK\r\nconnection: close\r\nx-repo-commit: ${COMMIT}\r\nx-linked-etag: "${modelSha}"\r\n\r\n`,
      );
      socket.end(body);
      return;
    }
    response.writeHead(200, { ...headers, 'content-length': model.length });
    if (!cut) return void response.end(model);
    response.write(model.subarray(0, HALF), () => setTimeout(() => response.destroy(), 20));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** Files under the repo's cache folder, relative, sorted. */
function cacheFiles(cacheDir: string, repo: string): string[] {
  const root = join(cacheDir, `models--${repo.replace('/', '--')}`);
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).sort();
}

describe('hub download cut mid-file', () => {
  let hub: { server: Server; endpoint: string };
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => new Promise<void>((resolve) => hub.server.close(() => resolve())));
  /** Downloads the model file of `repo` into `cacheDir`; a failure resolves to the error. */
  const download = (repo: string, cacheDir: string, attempts?: number) =>
    downloadFromHub(repo, [{ path: 'onnx/model.onnx' }], {
      endpoint: hub.endpoint,
      cacheDir,
      ...(attempts === undefined ? {} : { attempts }),
    });
  const failure = (repo: string, cacheDir: string, attempts: number): Promise<unknown> =>
    download(repo, cacheDir, attempts).then(
      () => expect.fail('the download should have failed'),
      (error: unknown) => error,
    );

  it('one attempt: fails with a typed error, leaves no blob or snapshot; the next call completes', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-cut-'));
    const error = await failure('org/cut-once', cacheDir, 1);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/after 1 attempts/);
    // Nothing that looks like a complete file: no blob, no snapshot link (a folder at most).
    expect(cacheFiles(cacheDir, 'org/cut-once')).toEqual(['blobs']);

    const { folder } = await download('org/cut-once', cacheDir, 1);
    const bytes = readFileSync(join(folder, 'onnx/model.onnx'));
    expect(bytes.length).toBe(model.length);
    expect(sha(bytes)).toBe(modelSha);
    expect(cacheFiles(cacheDir, 'org/cut-once').some((name) => name.endsWith('.incomplete'))).toBe(
      false,
    );
    expect(hits.get('org/cut-once')).toBe(2);
  }, 15_000);

  it('default attempts: the cut is retried within the call and the bytes are right', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-cut-'));
    const { folder } = await download('org/cut-retry', cacheDir);
    expect(sha(readFileSync(join(folder, 'onnx/model.onnx')))).toBe(modelSha);
    expect(hits.get('org/cut-retry')).toBe(2);
  }, 15_000);

  it('cut on every attempt: a typed error after the attempts, nothing left in the cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-cut-'));
    const error = await failure('org/cut-always', cacheDir, 3);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/after 3 attempts/);
    expect(hits.get('org/cut-always')).toBe(3);
    expect(cacheFiles(cacheDir, 'org/cut-always')).toEqual(['blobs']);
  }, 15_000);

  it('a short close-delimited body (no Content-Length) is caught by the sha256 of X-Linked-Etag', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sieve-hub-cut-'));
    const error = await failure('org/no-length', cacheDir, 1);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/sha256/);
    expect(cacheFiles(cacheDir, 'org/no-length')).toEqual(['blobs']);
    const { folder } = await download('org/no-length', cacheDir, 1);
    expect(sha(readFileSync(join(folder, 'onnx/model.onnx')))).toBe(modelSha);
  }, 15_000);
});
