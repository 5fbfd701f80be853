import { InvalidConfigError, RemoteCallError, SieveError, StageError } from '@sieve/core';
import { Client, Pool as PgPool, type Pool, type PoolClient } from 'pg';
import { z } from 'zod';
import { PgSchemaError } from './errors/pg-schema-error.js';

/** The component name in this package's error messages. */
export const component = 'postgres';

/** Schema of the connection part of every settings object: `connectionString`, if no `pool`. */
export const pgConnectionSettingsSchema = z.strictObject({
  /**
   * A `postgres://` or `postgresql://` URL, e.g. `postgresql://user:password@host:5432/db` (a Unix
   * socket: `postgresql://user@/db?host=/var/run/postgresql`). The object then owns a pool of its
   * own, which `close()` ends. Give either this or `pool`.
   */
  connectionString: z
    .string()
    .regex(/^postgres(ql)?:\/\//u, {
      message: "must be a URL starting with 'postgres://' or 'postgresql://'",
    })
    .optional(),
});

/** How to reach the database: an existing `pg` pool, or a connection string. */
export interface PgConnectionSettings {
  /**
   * A `pg` `Pool` to borrow connections from. It stays yours: `close()` does not end it. Give
   * either this or `connectionString`.
   */
  pool?: Pool;
  /** See {@link pgConnectionSettingsSchema}. */
  connectionString?: string;
}

/** A resolved connection: the pool to use and whether this package must end it. */
export interface PgConnection {
  pool: Pool;
  /** The server, for messages: the URL with the password masked, or host, port and database. */
  target: string;
  /** Ends the pool if this package made it; a no-op for a pool passed in. */
  close(): Promise<void>;
}

/**
 * Resolves `pool` or `connectionString` into a {@link PgConnection}; exactly one must be given.
 * A connection string is parsed here, so a malformed one fails at creation, not at first query.
 */
export function resolvePgConnection(
  pool: Pool | undefined,
  connectionString: string | undefined,
): PgConnection {
  if ((pool === undefined) === (connectionString === undefined)) {
    throw new InvalidConfigError({
      component,
      issues: [{ path: 'pool', message: 'give either pool (a pg Pool) or connectionString' }],
    });
  }
  if (pool !== undefined) {
    if (
      pool === null ||
      typeof pool !== 'object' ||
      typeof pool.connect !== 'function' ||
      typeof pool.query !== 'function'
    ) {
      throw new InvalidConfigError({
        component,
        issues: [{ path: 'pool', message: "must be a pg Pool (import { Pool } from 'pg')" }],
      });
    }
    return { pool, target: describePool(pool), close: async () => undefined };
  }
  try {
    // The Client constructor parses the URL (and connects only on connect()).
    new Client({ connectionString });
  } catch (error) {
    throw new InvalidConfigError({
      component,
      issues: [
        {
          path: 'connectionString',
          message: `cannot parse it (${(error as Error).message}); expected postgresql://user:password@host:port/database`,
        },
      ],
      cause: error,
    });
  }
  const owned = new PgPool({ connectionString });
  // An idle connection that the server drops emits 'error' on the pool; without a listener Node
  // would crash the process. The pool discards that connection and makes a new one when needed.
  owned.on('error', () => undefined);
  let closed: Promise<void> | undefined;
  return {
    pool: owned,
    target: maskPassword(connectionString!),
    close: () => {
      closed ??= owned.end();
      return closed;
    },
  };
}

/** The URL with its password replaced by `***`. */
export function maskPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*:)[^@/?#]*@/u, '$1***@');
}

function describePool(pool: Pool): string {
  const options: Partial<Pool['options']> = pool.options ?? {};
  if (typeof options.connectionString === 'string') return maskPassword(options.connectionString);
  const host = options.host ?? process.env.PGHOST ?? 'localhost';
  const port = options.port ?? process.env.PGPORT ?? 5432;
  const database = options.database ?? process.env.PGDATABASE ?? '';
  return `postgresql://${String(host)}:${String(port)}/${String(database)}`;
}

/** What {@link translatePgError} needs to name the failing thing. */
export interface PgErrorContext {
  /** The server, as {@link PgConnection.target}. */
  target: string;
  /** The table the statement read or wrote, for schema errors. */
  table: string;
  /** The stage or operation, for errors of no known kind (`StageError.stageId`). */
  operation: string;
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Turns an error of `pg` into a typed Sieve error that names the fix: connection failures become
 * `RemoteCallError`, a missing table, column or extension and a dimension mismatch become
 * {@link PgSchemaError}, anything else a `StageError`. Sieve errors pass through unchanged.
 */
export function translatePgError(error: unknown, context: PgErrorContext): SieveError {
  if (SieveError.isInstance(error)) return error;
  const { code = '', message = String(error) } = (error ?? {}) as {
    code?: string;
    message?: string;
  };
  const remote = (text: string, retryable: boolean): RemoteCallError =>
    new RemoteCallError({ component, url: context.target, retryable, message: text, cause: error });
  if (
    connectionErrorCodes.has(code) ||
    code.startsWith('08') ||
    /^Connection terminated|timeout expired/u.test(message)
  ) {
    return remote(
      `cannot reach PostgreSQL at ${context.target} (${code || message}); start the server, or fix the host, port or socket in connectionString or the pool`,
      true,
    );
  }
  if (code.startsWith('28')) {
    return remote(
      `PostgreSQL at ${context.target} refused the login (${message}); fix the user or password`,
      false,
    );
  }
  if (code === '3D000') {
    return remote(
      `${message} at ${context.target}; create the database or fix its name in connectionString`,
      false,
    );
  }
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
    return remote(`PostgreSQL at ${context.target} is unavailable (${message}); try again`, true);
  }
  if (code === '42P01' || code === '3F000') {
    return new PgSchemaError({
      component,
      problem: 'missing-table',
      table: context.table,
      message: `${message}; create it with ensurePgSchema({ table: '${context.table}', ... }) or fix table`,
      cause: error,
    });
  }
  if (code === '42703') {
    return new PgSchemaError({
      component,
      problem: 'missing-column',
      table: context.table,
      message: `${message} in table '${context.table}'; fix the *Column settings`,
      cause: error,
    });
  }
  if ((code === '42704' || code === '42883') && /\bvector\b/u.test(message)) {
    return missingVectorExtension(context.table, error);
  }
  if (/different vector dimensions|expected \d+ dimensions/u.test(message)) {
    return new PgSchemaError({
      component,
      problem: 'dimension-mismatch',
      table: context.table,
      message: `${message}; use the embedder the table was loaded with, or recreate the table with its dimensions`,
      cause: error,
    });
  }
  return new StageError({
    component,
    stageId: context.operation,
    message: `PostgreSQL failed: ${message}${code ? ` (SQLSTATE ${code})` : ''}`,
    cause: error,
  });
}

/** The error for a database without the `vector` extension. */
export function missingVectorExtension(table: string, cause?: unknown): PgSchemaError {
  return new PgSchemaError({
    component,
    problem: 'missing-extension',
    table,
    message:
      "the 'vector' extension is not installed in this database; run ensurePgSchema(...) or CREATE EXTENSION vector (the server needs pgvector: https://github.com/pgvector/pgvector#installation)",
    cause,
  });
}

/**
 * Runs `work` in a transaction on one connection checked out of the pool: `BEGIN`, `work`,
 * `COMMIT`; `ROLLBACK` when `work` throws. The connection is always released, and destroyed rather
 * than reused when even the `ROLLBACK` failed (it may be broken). Errors are translated with
 * {@link translatePgError}.
 */
export async function withTransaction<T>(
  connection: PgConnection,
  context: PgErrorContext,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await connection.pool.connect();
  } catch (error) {
    throw translatePgError(error, context);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw translatePgError(error, context);
  } finally {
    client.release(broken);
  }
}

/** Runs one statement on any pooled connection (`pool.query` checks out and releases it). */
export async function queryRows<Row>(
  connection: PgConnection,
  context: PgErrorContext,
  sql: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  try {
    const result = await connection.pool.query(sql, values as unknown[]);
    return result.rows as Row[];
  } catch (error) {
    throw translatePgError(error, context);
  }
}
