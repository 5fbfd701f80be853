// Model ids and cache paths never leave the cache folder: hub ids with '..', absolute and relative
// folders, revisions, file lists, hub headers (commit, etag), links in a cache entry (why a link
// planted by the cache owner is followed is said at that test).
// Every hub here is an injected fetch: nothing touches the network.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InvalidArgumentError, ModelLoadError } from '@sieve/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { downloadFromHub, isHubModelId } from './hub-cache.js';
import { resolveModel } from './resolve-model.js';

const COMMIT = 'c'.repeat(40);
const fixture = new URL('../__fixtures__/tiny-bert-cross-encoder/', import.meta.url).pathname;

let root: string;
let cacheDir: string;
let outside: string;
let requests: string[];

/** A fake hub that serves every file with the given headers and records the URLs asked for. */
function fakeFetch(headers: Record<string, string> = {}): typeof fetch {
  return (async (input: string | URL | Request) => {
    requests.push(String(input));
    return new Response('{"model_type":"bert"}', {
      status: 200,
      headers: { 'x-repo-commit': COMMIT, etag: '"e"', ...headers },
    });
  }) as typeof fetch;
}

/** Every path under `folder`, relative to it. */
function tree(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sieve-model-paths-'));
  cacheDir = join(root, 'cache');
  outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'config.json'), '{"secret":true}');
  requests = [];
});

describe('hub ids', () => {
  it.each([
    'Xenova/ms-marco-MiniLM-L-6-v2',
    'bert-base-uncased',
    'org/name.v2',
    'a/b',
    'Org_1/model_2',
  ])('accepts the Hugging Face id %s', (id) => {
    expect(isHubModelId(id)).toBe(true);
  });

  it.each([
    '../../etc',
    'org/../../x',
    'org/name/../../..',
    'org/..',
    '../x',
    'org/./x',
    'org//x',
    'org/name/extra',
    '/etc/passwd',
    'org\\..\\x',
    'a--b/c',
    '-org/name',
    'org/name.',
    'org/name.git',
    'org/na me',
    'org/name\u0000',
    '',
    `org/${'x'.repeat(97)}`,
  ])('refuses %j as a hub id, before any request or write', async (id) => {
    expect(isHubModelId(id)).toBe(false);
    const error = await rejection(
      downloadFromHub(id, [{ path: 'config.json' }], { cacheDir, fetch: fakeFetch() }),
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('model');
    expect((error as Error).message).toContain('pass a model folder that exists, or a hub id');
    expect(requests).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it.each(['org/../../x', 'org/name/../../..'])(
    'resolveModel treats %j (not an existing folder) as a bad hub id: InvalidArgumentError',
    async (id) => {
      const error = await rejection(resolveModel(id, 'fp32', { cacheDir, fetch: fakeFetch() }));
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(requests).toEqual([]);
      expect(existsSync(cacheDir)).toBe(false);
    },
  );

  it.each(['../../etc', './missing-model', '/definitely/not/a/model/folder'])(
    'resolveModel treats the path %j as a local folder; a missing one is a ModelLoadError, never a hub id',
    async (path) => {
      const error = await rejection(resolveModel(path, 'fp32', { cacheDir, fetch: fakeFetch() }));
      expect(ModelLoadError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/does not exist|config\.json is missing/);
      expect(requests).toEqual([]);
    },
  );

  it('an existing absolute or relative folder is a legitimate local model reference', async () => {
    const absolute = await resolveModel(fixture, 'fp32', { cacheDir, fetch: fakeFetch() });
    expect(absolute.folder).toBe(fixture.replace(/\/$/, ''));
    const fromHere = relative(process.cwd(), fixture);
    const viaRelative = await resolveModel(fromHere, 'fp32', { cacheDir, fetch: fakeFetch() });
    expect(viaRelative.folder).toBe(absolute.folder);
    expect(requests).toEqual([]);
  });

  it.each(['../../x', '/abs', 'a//b', '.', 'main\\..'])(
    'refuses the revision %j',
    async (revision) => {
      const error = await rejection(
        downloadFromHub('org/name', [{ path: 'config.json' }], {
          cacheDir,
          revision,
          fetch: fakeFetch(),
        }),
      );
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('revision');
      expect(requests).toEqual([]);
    },
  );
});

describe('file lists of a repository', () => {
  it.each([
    '../../../outside/x',
    'onnx/../../x',
    '/etc/passwd',
    'onnx//model.onnx',
    'a\\..\\b',
    'C:/x',
  ])('refuses the file path %j with ModelLoadError before any request or write', async (path) => {
    const error = await rejection(
      downloadFromHub('org/name', [{ path: 'config.json' }, { path, optional: true }], {
        cacheDir,
        fetch: fakeFetch(),
      }),
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('not a file path inside the repository');
    expect(requests).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('refuses extra files with .. through resolveModel too', async () => {
    const error = await rejection(
      resolveModel('org/name', 'fp32', { cacheDir, fetch: fakeFetch() }, ['../../pwned.json']),
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(requests).toEqual([]);
  });

  it('refuses a hub answer whose commit id would leave the cache', async () => {
    const error = await rejection(
      downloadFromHub('org/name', [{ path: 'config.json' }], {
        cacheDir,
        fetch: fakeFetch({ 'x-repo-commit': '../../../outside' }),
      }),
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('unusable commit id');
    expect(tree(outside)).toEqual(['config.json']);
  });

  it.each(['".."', '"."', '""'])(
    'stores a blob whose etag is %s inside the blobs folder',
    async (etag) => {
      const { folder } = await downloadFromHub('org/name', [{ path: 'config.json' }], {
        cacheDir,
        fetch: fakeFetch({ etag }),
      });
      const blobs = tree(join(cacheDir, 'models--org--name', 'blobs'));
      expect(blobs).toHaveLength(1);
      expect(blobs[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(existsSync(join(folder, 'config.json'))).toBe(true);
    },
  );
});

describe('links in a cache entry', () => {
  /** A cache entry of org/name at COMMIT, every file a link made by `link(file, snapshot path)`. */
  function plantEntry(link: (file: string, at: string) => string): string {
    const repo = join(cacheDir, 'models--org--name');
    const snapshot = join(repo, 'snapshots', COMMIT);
    mkdirSync(join(snapshot, 'onnx'), { recursive: true });
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'refs'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), COMMIT);
    for (const file of ['config.json', 'vocab.txt', 'onnx/model.onnx']) {
      writeFileSync(join(repo, 'blobs', file.replace('/', '_')), 'blob');
      const at = join(snapshot, file);
      symlinkSync(link(file, at), at);
    }
    return snapshot;
  }
  const intoBlobs = (file: string, at: string): string =>
    relative(join(at, '..'), join(cacheDir, 'models--org--name', 'blobs', file.replace('/', '_')));

  it('follows the Hugging Face layout links that stay in the cache (snapshot -> blobs)', async () => {
    const snapshot = plantEntry(intoBlobs);
    const { folder } = await downloadFromHub(
      'org/name',
      [{ path: 'config.json' }, { path: 'vocab.txt' }, { path: 'onnx/model.onnx' }],
      { cacheDir, offline: true },
    );
    expect(folder).toBe(snapshot);
  });

  // A link planted in a cache entry that leads out of the cache is followed, by design: only whoever
  // can write the cache can plant it, and they could as well write the file itself, so refusing it
  // protects nothing. The project builds such caches on purpose (tools/readme-snippets.ts links
  // hub ids to the fixture folders so that README snippets resolve offline), and moving a cache's
  // blobs to another disk with links is common. What the loader guarantees instead is that it
  // never writes such a link itself: the next two tests.
  it('follows a link planted by the cache owner that leads out of the cache (documented above)', async () => {
    plantEntry((file, at) =>
      file === 'config.json' ? join(outside, 'config.json') : intoBlobs(file, at),
    );
    const { folder } = await downloadFromHub('org/name', [{ path: 'config.json' }], {
      cacheDir,
      offline: true,
    });
    expect(folder.startsWith(cacheDir)).toBe(true);
  });

  it('every link a download writes resolves inside the repository folder, whatever the hub answers', async () => {
    const answers: Record<string, string>[] = [
      { 'x-repo-commit': COMMIT, etag: '".."' },
      { 'x-repo-commit': COMMIT, etag: '"../../../outside/x"' },
      { 'x-repo-commit': COMMIT, 'x-linked-etag': '"/etc/passwd"' },
    ];
    for (const headers of answers) {
      const { folder } = await downloadFromHub(
        'org/name',
        [{ path: 'config.json' }, { path: 'onnx/model.onnx' }],
        { cacheDir, fetch: fakeFetch(headers), revision: COMMIT },
      );
      const repo = realpathSync(join(cacheDir, 'models--org--name'));
      for (const file of ['config.json', 'onnx/model.onnx']) {
        expect(realpathSync(join(folder, file)).startsWith(`${repo}/blobs/`)).toBe(true);
      }
      rmSync(cacheDir, { recursive: true });
    }
    expect(tree(outside)).toEqual(['config.json']);
  });

  it('ignores a refs file that points out of the cache (offline: the model is simply not cached)', async () => {
    plantEntry(intoBlobs);
    writeFileSync(join(cacheDir, 'models--org--name', 'refs', 'main'), '../../../outside');
    const error = await rejection(
      downloadFromHub('org/name', [{ path: 'config.json' }], { cacheDir, offline: true }),
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('is not in the cache');
  });

  it("a local model folder is the caller's own: its links are followed (no cache to escape)", async () => {
    const local = join(root, 'local-model');
    mkdirSync(join(local, 'onnx'), { recursive: true });
    symlinkSync(join(fixture, 'config.json'), join(local, 'config.json'));
    symlinkSync(join(fixture, 'onnx', 'model.onnx'), join(local, 'onnx', 'model.onnx'));
    const resolved = await resolveModel(local, 'fp32');
    expect(resolved.config.model_type).toBe('bert');
  });
});
