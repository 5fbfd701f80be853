import type { Pool } from 'pg';
import { parseTableName, type TableName, tableNameSchema } from './identifiers.js';
import { assertTableShape, type ColumnRequirement, inspectTable } from './inspect-table.js';
import {
  type PgConnection,
  type PgErrorContext,
  pgConnectionSettingsSchema,
  resolvePgConnection,
} from './pg-connection.js';

/** The settings every factory of this package shares: the connection and the table. */
export const pgTableSettingsShape = {
  ...pgConnectionSettingsSchema.shape,
  /** The table: `docs`, or `schema.docs`. Names are quoted, so case-sensitive. */
  table: tableNameSchema,
};

/** A table to work on: the connection, the quoted name, and the context of its errors. */
export interface PgTable {
  connection: PgConnection;
  table: TableName;
  context: PgErrorContext;
}

/**
 * Resolves the connection of a factory's settings and, when `requirements` are given, checks
 * the table against them (one catalog query; `PgSchemaError` names the fix). A pool made from a
 * connection string is ended when the check fails, so a failed factory leaves nothing open.
 */
export async function openPgTable(options: {
  pool: Pool | undefined;
  connectionString: string | undefined;
  table: string;
  /** Names the stage or function in errors of no known kind. */
  operation: string;
  requirements?: readonly ColumnRequirement[];
  /** Whether the `vector` extension must be installed. */
  needsVector?: boolean;
}): Promise<PgTable> {
  const connection = resolvePgConnection(options.pool, options.connectionString);
  const table = parseTableName(options.table);
  const context: PgErrorContext = {
    target: connection.target,
    table: table.given,
    operation: options.operation,
  };
  if (options.requirements) {
    try {
      assertTableShape(
        await inspectTable(connection, table, context),
        table,
        options.requirements,
        { needsVector: options.needsVector ?? false },
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  return { connection, table, context };
}
