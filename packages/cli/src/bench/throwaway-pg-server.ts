import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError } from '@sieve/core';

/** A PostgreSQL started for one run, and how to stop it. */
export interface ThrowawayPgServer {
  /** Its URI (a Unix socket, the `postgres` database). */
  url: string;
  /** Closes its stdin: the script stops the cluster and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `tools/pg-test-server.py` (PostgreSQL 16 + pgvector from the `pgserver` PyPI package, in
 * a temporary folder) with the tools venv's Python, or `SIEVE_TEST_PG_PYTHON`, and waits for the
 * URI it prints. Throws an InvalidArgumentError saying how to get one, or to pass `--pg`, when
 * that Python is missing or the script exits first.
 */
export async function startThrowawayPgServer(root: string): Promise<ThrowawayPgServer> {
  const python = process.env.SIEVE_TEST_PG_PYTHON ?? join(root, 'tools', '.venv', 'bin', 'python');
  const hint =
    'install pgserver in tools/.venv (tools/.venv/bin/pip install pgserver), or pass --pg URL (a server with pgvector)';
  if (!existsSync(python)) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'pg',
      message: `no --pg and no ${python} to start a throwaway PostgreSQL; ${hint}`,
    });
  }
  const child: ChildProcess = spawn(python, [join(root, 'tools', 'pg-test-server.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'pg',
      message: `tools/pg-test-server.py exited with ${code} before printing a URI (${stderr.trim()}); ${hint}`,
    });
  });
  const firstLine = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) return line.trim();
    return '';
  })();
  const url = await Promise.race([firstLine, exited]);
  exited.catch(() => undefined);
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
      child.stdin!.end();
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
