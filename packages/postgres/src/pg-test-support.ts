// What the PostgreSQL tests of this package share: a server (tools/pg-test-server.py, or
// SIEVE_TEST_PG_URL) and a fresh database per test file. Not exported from the package.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeIdentifier, Pool, type PoolConfig } from 'pg';
import { afterAll } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** The Python with `pgserver`: the tools venv's, or `SIEVE_TEST_PG_PYTHON`. */
const python = process.env.SIEVE_TEST_PG_PYTHON ?? `${root}tools/.venv/bin/python`;
const script = `${root}tools/pg-test-server.py`;

/** A database made for one test file, dropped after it. */
export interface PgTestDatabase {
  /** Its URL. */
  url: string;
  /** A pool on it, ended after the file. */
  pool: Pool;
  /** Another pool on it (ended after the file), e.g. with `max: 1`. */
  newPool(config?: PoolConfig): Pool;
}

/** Whether a server must be found: under CI, or with SIEVE_REQUIRE_PG=1. */
const required =
  !['', '0', 'false', undefined].includes(process.env.CI) || process.env.SIEVE_REQUIRE_PG === '1';

/**
 * Starts a server (or takes `SIEVE_TEST_PG_URL`), creates a fresh database on it and registers
 * an `afterAll` that drops it and stops the server. Call it with top-level `await` in a test
 * file. Resolves to `undefined`, with a warning, when no server can be started here (no
 * `tools/.venv` with `pgserver`, no URL): the caller skips. Under CI or `SIEVE_REQUIRE_PG=1`
 * that throws instead, and a server that fails to start throws always.
 */
export async function pgTestDatabase(name: string): Promise<PgTestDatabase | undefined> {
  let serverUrl = process.env.SIEVE_TEST_PG_URL;
  let server: ChildProcess | undefined;
  if (!serverUrl) {
    const missing = !existsSync(python)
      ? `${python} does not exist`
      : spawnSync(python, ['-c', 'import pgserver'], { encoding: 'utf8' }).status !== 0
        ? 'the tools venv has no pgserver (tools/.venv/bin/pip install pgserver)'
        : undefined;
    if (missing) {
      const message = `no PostgreSQL for the @sieve/postgres tests: ${missing}; set SIEVE_TEST_PG_URL to a server with pgvector, or install pgserver in tools/.venv`;
      if (required) throw new Error(`${message} (CI or SIEVE_REQUIRE_PG=1: not skipping)`);
      console.warn(`[postgres] skipping ${name}: ${message}`);
      return undefined;
    }
    ({ server, url: serverUrl } = await startServer());
  }
  const database = `sieve_test_${name.replace(/\W/gu, '_')}_${process.pid}_${Date.now().toString(36)}`;
  const pools: Pool[] = [];
  const admin = quiet(new Pool({ connectionString: serverUrl, max: 1 }));
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await admin
      .query(`DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`)
      .catch(() => undefined);
    await admin.end();
    if (server) await stopServer(server);
  });
  await admin.query(`CREATE DATABASE ${escapeIdentifier(database)}`);
  const url = withDatabase(serverUrl, database);
  const newPool = (config: PoolConfig = {}): Pool => {
    const pool = quiet(new Pool({ connectionString: url, ...config }));
    pools.push(pool);
    return pool;
  };
  return { url, pool: newPool(), newPool };
}

/**
 * Gives a pool and each of its connections an error listener. `pool.end()` resolves before its
 * connections are closed, so the `DROP DATABASE ... WITH (FORCE)` and the server's stop after the
 * tests can terminate one that is still closing; without a listener that error would be uncaught.
 */
function quiet(pool: Pool): Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The URL with its database replaced. */
export function withDatabase(url: string, database: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?/u, `$1/${database}`);
}

function startServer(): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve({ server, url: line.trim() });
    });
    server.on('exit', (code) =>
      reject(
        new Error(`tools/pg-test-server.py exited with ${code} before printing a URL:\n${stderr}`),
      ),
    );
    server.on('error', reject);
  });
}

/** Closes the server's stdin (it stops the cluster and exits); SIGTERM if it lingers. */
function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.kill('SIGTERM'), 10_000);
    server.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.stdin!.end();
  });
}
