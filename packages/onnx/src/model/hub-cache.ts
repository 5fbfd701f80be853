import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError, ModelLoadError } from '@sieve/core';

/** Progress of one file download. */
export interface DownloadProgress {
  modelId: string;
  file: string;
  loadedBytes: number;
  /** From Content-Length; undefined when the server does not say. */
  totalBytes: number | undefined;
}

/** Where and how to fetch model files from a Hugging Face-compatible hub. */
export interface HubOptions {
  /** Git revision: branch, tag or commit. @default 'main' */
  revision?: string;
  /**
   * Cache folder (the `hub` folder of the Hugging Face cache).
   * @default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
   */
  cacheDir?: string;
  /** Hub address. @default $HF_ENDPOINT, else https://huggingface.co */
  endpoint?: string;
  /** Never touch the network; use the cache only. @default $HF_HUB_OFFLINE is 1/true */
  offline?: boolean;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Abort a download when no byte arrives for this long, in milliseconds. @default 30000 */
  idleTimeoutMs?: number;
  /** Attempts per file on a network error or truncated body. @default 3 */
  attempts?: number;
  /** Injectable fetch, for tests and proxies. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Resolved settings of {@link HubOptions}. */
interface Hub {
  modelId: string;
  revision: string;
  repoFolder: string;
  endpoint: string;
  offline: boolean;
  options: HubOptions;
}

const truthy = (value: string | undefined): boolean =>
  value === '1' || value?.toLowerCase() === 'true';

/** The hub cache folder, honouring HF_HUB_CACHE and HF_HOME. */
export function hubCacheDir(options: HubOptions = {}): string {
  if (options.cacheDir) return options.cacheDir;
  if (process.env.HF_HUB_CACHE) return process.env.HF_HUB_CACHE;
  const home =
    process.env.HF_HOME ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/**
 * A Hugging Face repository id, as `huggingface_hub.validate_repo_id` accepts it: `name` or
 * `owner/name`, each of letters, digits, `-`, `_` and `.`, starting and ending with a letter, digit
 * or `_`, at most 96 characters, with no `--` or `..` (so it can never leave the cache folder).
 */
const HUB_ID =
  /^(?:[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?\/)?[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;

/** Whether `modelId` is a valid Hugging Face repository id. */
export function isHubModelId(modelId: string): boolean {
  return (
    HUB_ID.test(modelId) &&
    !modelId.includes('--') &&
    !modelId.includes('..') &&
    !modelId.endsWith('.git')
  );
}

/**
 * Whether `path` is a relative path that stays inside the folder it is joined to: `/`-separated
 * segments, none empty, `.` or `..`, no backslash, colon or control character.
 */
function isInsidePath(path: string): boolean {
  return (
    path !== '' &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    !/[\\:\u0000-\u001f]/.test(path) &&
    path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

function hubOf(modelId: string, options: HubOptions): Hub {
  if (!isHubModelId(modelId)) {
    throw new InvalidArgumentError({
      component: 'onnx',
      argument: 'model',
      message: `'${modelId}' is neither an existing local folder nor a Hugging Face model id (owner/name of letters, digits, '-', '_' and '.', without '..' or '--'); pass a model folder that exists, or a hub id such as 'Xenova/ms-marco-MiniLM-L-6-v2'`,
    });
  }
  const revision = options.revision ?? 'main';
  if (!isInsidePath(revision)) {
    throw new InvalidArgumentError({
      component: 'onnx',
      argument: 'revision',
      message: `revision '${revision}' is not a branch, tag or commit name (no '..', '.' or empty segment, no backslash or leading '/'); pass e.g. 'main' or a 40-character commit`,
    });
  }
  return {
    modelId,
    revision,
    repoFolder: join(hubCacheDir(options), `models--${modelId.replaceAll('/', '--')}`),
    endpoint: (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(
      /\/+$/,
      '',
    ),
    offline: options.offline ?? truthy(process.env.HF_HUB_OFFLINE),
    options,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The commit a revision points to in the cache, if known. */
async function cachedCommit(hub: Hub): Promise<string | undefined> {
  if (/^[0-9a-f]{40}$/.test(hub.revision)) return hub.revision;
  try {
    const commit = (await readFile(join(hub.repoFolder, 'refs', hub.revision), 'utf8')).trim();
    // A damaged or tampered ref must not point the snapshot folder outside the cache.
    return isInsidePath(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fetches files of a hub model into the cache (Hugging Face layout: `blobs/`, `snapshots/<commit>/`,
 * `refs/<revision>`) and returns the snapshot folder. Files already in the snapshot are not fetched
 * again. A file is written to `<blob>.incomplete` and renamed only when complete, so a half-written
 * file is never used. `optional` files that the hub does not have (404) are skipped.
 */
export async function downloadFromHub(
  modelId: string,
  files: ReadonlyArray<{ path: string; optional?: boolean }>,
  options: HubOptions = {},
): Promise<{ folder: string; missing: string[] }> {
  const hub = hubOf(modelId, options);
  for (const file of files) {
    if (!isInsidePath(file.path)) {
      throw new ModelLoadError({
        component: 'onnx',
        modelId,
        path: file.path,
        message: `'${file.path}' is not a file path inside the repository of '${modelId}' (it must be relative, '/'-separated, without '..', '.' or empty segments); fix the file list`,
      });
    }
  }
  const missing: string[] = [];
  let commit = await cachedCommit(hub);
  for (const file of files) {
    if (commit && (await exists(join(hub.repoFolder, 'snapshots', commit, file.path)))) continue;
    if (commit && (await exists(join(hub.repoFolder, 'snapshots', commit, `${file.path}.404`)))) {
      missing.push(file.path);
      continue;
    }
    if (hub.offline) {
      if (file.optional) {
        missing.push(file.path);
        continue;
      }
      throw new ModelLoadError({
        component: 'onnx',
        modelId,
        path: file.path,
        message: `'${file.path}' of '${modelId}' (revision ${hub.revision}) is not in the cache at ${hub.repoFolder} and offline mode is on (HF_HUB_OFFLINE); download it once with network access, or pass a local folder`,
      });
    }
    const fetched = await fetchFile(hub, file.path, file.optional === true);
    if (fetched === 'missing') {
      missing.push(file.path);
      if (commit)
        await writeFile(join(hub.repoFolder, 'snapshots', commit, `${file.path}.404`), '').catch(
          () => undefined,
        );
      continue;
    }
    commit ??= fetched.commit;
    const snapshotPath = join(hub.repoFolder, 'snapshots', fetched.commit, file.path);
    await mkdir(dirname(snapshotPath), { recursive: true });
    await rm(snapshotPath, { force: true });
    await symlink(relative(dirname(snapshotPath), fetched.blobPath), snapshotPath);
    if (!/^[0-9a-f]{40}$/.test(hub.revision)) {
      await mkdir(join(hub.repoFolder, 'refs'), { recursive: true });
      await writeFile(join(hub.repoFolder, 'refs', hub.revision), fetched.commit);
    }
  }
  if (!commit) {
    throw new ModelLoadError({
      component: 'onnx',
      modelId,
      message: `none of the requested files of '${modelId}' exist on ${hub.endpoint} (revision ${hub.revision}); check the model id`,
    });
  }
  return { folder: join(hub.repoFolder, 'snapshots', commit), missing };
}

async function fetchFile(
  hub: Hub,
  path: string,
  optional: boolean,
): Promise<{ commit: string; blobPath: string } | 'missing'> {
  const attempts = hub.options.attempts ?? 3;
  const url = `${hub.endpoint}/${hub.modelId}/resolve/${encodeURIComponent(hub.revision)}/${path}`;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fetchOnce(hub, url, path, optional);
    } catch (error) {
      if (ModelLoadError.isInstance(error)) throw error;
      lastError = error;
    }
  }
  throw new ModelLoadError({
    component: 'onnx',
    modelId: hub.modelId,
    path,
    message: `could not download ${url} after ${attempts} attempts (${(lastError as Error)?.message ?? lastError}); check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache`,
    cause: lastError,
  });
}

async function fetchOnce(
  hub: Hub,
  url: string,
  path: string,
  optional: boolean,
): Promise<{ commit: string; blobPath: string } | 'missing'> {
  const fetchImpl = hub.options.fetch ?? globalThis.fetch;
  const idleTimeoutMs = hub.options.idleTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let idleTimer = setTimeout(
    () => controller.abort(new Error(`no data for ${idleTimeoutMs} ms`)),
    idleTimeoutMs,
  );
  const resetIdle = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => controller.abort(new Error(`no data for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  };
  try {
    const headers: Record<string, string> = { 'user-agent': 'sieve-rerank/0.1' };
    if (process.env.HF_TOKEN) headers.authorization = `Bearer ${process.env.HF_TOKEN}`;
    const response = await fetchImpl(url, {
      redirect: 'follow',
      signal: controller.signal,
      headers,
    });
    if (response.status === 404) {
      await response.body?.cancel();
      if (optional) return 'missing';
      throw new ModelLoadError({
        component: 'onnx',
        modelId: hub.modelId,
        path,
        message: `'${path}' does not exist in '${hub.modelId}' at revision ${hub.revision} (404 from ${url}); check the model id, revision and dtype`,
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new ModelLoadError({
        component: 'onnx',
        modelId: hub.modelId,
        path,
        message: `access to '${hub.modelId}' was refused (${response.status}); set HF_TOKEN for gated or private models`,
      });
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} from ${url}`);
    const commit = response.headers.get('x-repo-commit') ?? hub.revision;
    if (!isInsidePath(commit)) {
      throw new ModelLoadError({
        component: 'onnx',
        modelId: hub.modelId,
        path,
        message: `${url} answered an unusable commit id '${commit.slice(0, 60)}' (x-repo-commit); check HF_ENDPOINT points to a Hugging Face-compatible hub`,
      });
    }
    let etag = (
      response.headers.get('x-linked-etag') ??
      response.headers.get('etag') ??
      `${commit}-${path}`
    )
      .replace(/^W\//, '')
      .replaceAll('"', '')
      .replace(/[^A-Za-z0-9._-]/g, '_');
    // '', '.' and '..' would name the blobs folder or its parent, not a blob.
    if (/^\.*$/.test(etag)) etag = createHash('sha256').update(`${commit}/${path}`).digest('hex');
    const lengthHeader = response.headers.get('content-length');
    const totalBytes = lengthHeader === null ? undefined : Number(lengthHeader);
    // An LFS file's X-Linked-Etag is the sha256 of its bytes: check it, since a body without
    // Content-Length that the connection cuts short looks complete otherwise.
    const linkedEtag = response.headers
      .get('x-linked-etag')
      ?.replace(/^W\//, '')
      .replaceAll('"', '');
    const expectedSha256 =
      linkedEtag !== undefined && /^[0-9a-f]{64}$/.test(linkedEtag) ? linkedEtag : undefined;
    const hash = createHash('sha256');
    const blobPath = join(hub.repoFolder, 'blobs', etag);
    const partial = `${blobPath}.incomplete`;
    await mkdir(dirname(blobPath), { recursive: true });
    const out = createWriteStream(partial);
    let loadedBytes = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        resetIdle();
        loadedBytes += chunk.byteLength;
        hash.update(chunk);
        if (!out.write(chunk))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        hub.options.onProgress?.({ modelId: hub.modelId, file: path, loadedBytes, totalBytes });
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    if (totalBytes !== undefined && loadedBytes !== totalBytes) {
      await rm(partial, { force: true });
      throw new Error(`truncated body: got ${loadedBytes} of ${totalBytes} bytes`);
    }
    const sha256 = hash.digest('hex');
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      await rm(partial, { force: true });
      throw new Error(
        `corrupt or truncated body: sha256 ${sha256} of ${loadedBytes} bytes, the hub says ${expectedSha256}`,
      );
    }
    await rename(partial, blobPath);
    return { commit, blobPath };
  } finally {
    clearTimeout(idleTimer);
  }
}
