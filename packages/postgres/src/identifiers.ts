import { escapeIdentifier } from 'pg';
import { z } from 'zod';

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
const maxIdentifierBytes = 63;

function identifierProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character';
  if (Buffer.byteLength(name) > maxIdentifierBytes) {
    return `is longer than ${maxIdentifierBytes} bytes (PostgreSQL would truncate it)`;
  }
  return undefined;
}

/**
 * Schema of a column name: used verbatim and quoted, so it is case-sensitive (`Title` is not
 * `title`) and may hold any character but NUL.
 */
export const columnNameSchema = z.string().superRefine((name, context) => {
  const problem = identifierProblem(name);
  if (problem) context.addIssue({ code: 'custom', message: `column name ${problem}` });
});

/**
 * Schema of a table name: `name` (found through the `search_path`) or `schema.name`. Each part is
 * quoted, so it is case-sensitive; a name with a dot in it cannot be given.
 */
export const tableNameSchema = z.string().superRefine((name, context) => {
  const parts = name.split('.');
  if (parts.length > 2) {
    context.addIssue({
      code: 'custom',
      message: `table '${name}' has more than one dot; give 'table' or 'schema.table'`,
    });
    return;
  }
  for (const part of parts) {
    const problem = identifierProblem(part);
    if (problem) context.addIssue({ code: 'custom', message: `table name part ${problem}` });
  }
});

/**
 * Quotes one identifier (a column, a table, an index) for SQL: wraps it in double quotes and
 * doubles the double quotes inside (pg's `escapeIdentifier`).
 *
 * @example
 * ```ts
 * quoteIdentifier('my "col"'); // '"my ""col"""'
 * ```
 */
export function quoteIdentifier(name: string): string {
  return escapeIdentifier(name);
}

/** A table name split into its optional schema and its name. */
export interface TableName {
  /** The schema, when the name was `schema.table`. */
  schema: string | undefined;
  /** The table's own name. */
  name: string;
  /** The name as given in the settings, for messages. */
  given: string;
  /** The quoted name for SQL: `"schema"."table"` or `"table"`. */
  sql: string;
}

/**
 * Splits and quotes a table name validated by {@link tableNameSchema}.
 *
 * @example
 * ```ts
 * parseTableName('search.Docs').sql; // '"search"."Docs"'
 * ```
 */
export function parseTableName(given: string): TableName {
  const parts = given.split('.');
  const name = parts.at(-1)!;
  const schema = parts.length === 2 ? parts[0] : undefined;
  return {
    schema,
    name,
    given,
    sql:
      schema === undefined
        ? quoteIdentifier(name)
        : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`,
  };
}
