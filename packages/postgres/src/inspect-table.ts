import { PgSchemaError } from './errors/pg-schema-error.js';
import type { TableName } from './identifiers.js';
import {
  component,
  missingVectorExtension,
  type PgConnection,
  type PgErrorContext,
  queryRows,
} from './pg-connection.js';

/** One column of a table, from the catalog. */
export interface ColumnInfo {
  /** The type's name without modifiers: `text`, `vector`, `tsvector`, `jsonb`. */
  type: string;
  /** The declared type: `vector(384)`, `character varying(20)`. */
  declared: string;
  /** The type modifier: a `vector` column's declared dimension, `-1` when none was declared. */
  modifier: number;
}

/** What the catalog says about a table, read in one round trip. */
export interface TableInfo {
  /** Whether the `vector` extension is installed in the database. */
  vectorExtension: boolean;
  /** Whether the table (or view) exists. */
  exists: boolean;
  /** Its columns by name. */
  columns: Map<string, ColumnInfo>;
}

/**
 * Reads the catalog for a table: whether it exists (resolved as queries resolve it, through the
 * `search_path` for an unqualified name), its columns and types, and whether the `vector`
 * extension is installed. One parameterised query.
 */
export async function inspectTable(
  connection: PgConnection,
  table: TableName,
  context: PgErrorContext,
): Promise<TableInfo> {
  const rows = await queryRows<{
    vector_extension: boolean;
    exists: boolean;
    columns: Record<string, ColumnInfo>;
  }>(
    connection,
    context,
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS vector_extension,
       to_regclass($1) IS NOT NULL AS exists,
       (SELECT coalesce(json_object_agg(a.attname, json_build_object(
            'type', t.typname,
            'declared', format_type(a.atttypid, a.atttypmod),
            'modifier', a.atttypmod)), '{}'::json)
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped) AS columns`,
    [table.sql],
  );
  const row = rows[0]!;
  return {
    vectorExtension: row.vector_extension,
    exists: row.exists,
    columns: new Map(Object.entries(row.columns)),
  };
}

/** A column the settings name, and what it must be. */
export interface ColumnRequirement {
  /** The column's name. */
  column: string;
  /** The setting that names it, for the message (`embeddingColumn`). */
  setting: string;
  /** Types it may have (`['vector']`); any type when absent. */
  types?: readonly string[];
  /** For a `vector` column: the dimension the embedder makes. */
  dimensions?: number;
}

/**
 * Checks a table against the settings, throwing the {@link PgSchemaError} that names the fix:
 * missing extension (when `needsVector`), missing table, missing column, wrong type, or a vector
 * column whose declared dimension differs from the embedder's.
 */
export function assertTableShape(
  info: TableInfo,
  table: TableName,
  requirements: readonly ColumnRequirement[],
  options: { needsVector: boolean },
): void {
  if (options.needsVector && !info.vectorExtension) throw missingVectorExtension(table.given);
  if (!info.exists) {
    throw new PgSchemaError({
      component,
      problem: 'missing-table',
      table: table.given,
      message: `table '${table.given}' does not exist; create it with ensurePgSchema({ table: '${table.given}', ... }), or fix table (names are case-sensitive; give 'schema.table' outside the search_path)`,
    });
  }
  for (const requirement of requirements) {
    const column = info.columns.get(requirement.column);
    if (!column) {
      throw new PgSchemaError({
        component,
        problem: 'missing-column',
        table: table.given,
        column: requirement.column,
        message: `table '${table.given}' has no column '${requirement.column}' (${requirement.setting}); its columns are ${[...info.columns.keys()].join(', ')}`,
      });
    }
    if (requirement.types && !requirement.types.includes(column.type)) {
      throw new PgSchemaError({
        component,
        problem: 'wrong-column-type',
        table: table.given,
        column: requirement.column,
        message: `column '${requirement.column}' (${requirement.setting}) is ${column.declared}, not ${requirement.types.join(' or ')}; fix ${requirement.setting}`,
      });
    }
    if (
      requirement.dimensions !== undefined &&
      column.modifier > 0 &&
      column.modifier !== requirement.dimensions
    ) {
      throw new PgSchemaError({
        component,
        problem: 'dimension-mismatch',
        table: table.given,
        column: requirement.column,
        message: `column '${requirement.column}' is ${column.declared} but the embedder makes ${requirement.dimensions}-dimensional vectors; use the embedder the table was loaded with, or recreate the table with dimensions: ${requirement.dimensions}`,
      });
    }
  }
}
