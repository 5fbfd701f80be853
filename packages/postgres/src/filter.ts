import { InvalidArgumentError } from '@sieve/core';
import { z } from 'zod';
import { quoteIdentifier } from './identifiers.js';

/**
 * One condition of a {@link PgFilter}: a string, number or boolean is compared with `=`, `null`
 * matches `IS NULL`, and an object or array is a jsonb containment (`column @> value`) on a jsonb
 * column such as `metadata`.
 */
export type PgFilterValue =
  | string
  | number
  | boolean
  | null
  | Readonly<Record<string, unknown>>
  | readonly unknown[];

/**
 * A metadata filter: column name -> condition ({@link PgFilterValue}); every condition must hold.
 * Values travel as query parameters and column names are quoted, so neither can inject SQL.
 *
 * @example
 * ```ts
 * const filter: PgFilter = { lang: 'en', metadata: { year: 2020 } };
 * // WHERE "lang" = $3 AND "metadata" @> $4::jsonb
 * ```
 */
export type PgFilter = Readonly<Record<string, PgFilterValue>>;

/** Schema of a {@link PgFilter}. */
export const pgFilterSchema = z.record(
  z.string().min(1),
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, { message: 'must be a finite number' }),
    z.boolean(),
    z.null(),
    z.array(z.unknown()),
    z.record(z.string(), z.unknown()),
  ]),
);

/** The SQL of a filter: `AND`-ed conditions and the values of their parameters. */
export interface FilterSql {
  /** `"lang" = $3 AND "metadata" @> $4::jsonb`, or `TRUE` for no condition. */
  sql: string;
  /** Values of the parameters the conditions use, in order. */
  values: unknown[];
}

/**
 * Builds the `WHERE` conditions of one or more filters, numbering parameters from
 * `firstParameter`. A filter given per call is checked here (light checks, no zod); one given in
 * settings was validated by the factory.
 *
 * @example
 * ```ts
 * buildFilterSql([{ lang: 'en' }], 3); // { sql: '"lang" = $3', values: ['en'] }
 * ```
 */
export function buildFilterSql(
  filters: ReadonlyArray<PgFilter | undefined>,
  firstParameter: number,
  component: string,
): FilterSql {
  const conditions: string[] = [];
  const values: unknown[] = [];
  for (const filter of filters) {
    if (filter === undefined) continue;
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      throw new InvalidArgumentError({
        component,
        argument: 'filter',
        message: 'filter must be an object { column: value }',
      });
    }
    for (const [column, value] of Object.entries(filter)) {
      if (column === '' || column.includes('\0')) {
        throw new InvalidArgumentError({
          component,
          argument: 'filter',
          message: `filter has an invalid column name ${JSON.stringify(column)}`,
        });
      }
      const quoted = quoteIdentifier(column);
      if (value === null) {
        conditions.push(`${quoted} IS NULL`);
        continue;
      }
      const parameter = `$${firstParameter + values.length}`;
      if (typeof value === 'object') {
        conditions.push(`${quoted} @> ${parameter}::jsonb`);
        values.push(JSON.stringify(value));
      } else if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        conditions.push(`${quoted} = ${parameter}`);
        values.push(value);
      } else {
        throw new InvalidArgumentError({
          component,
          argument: `filter.${column}`,
          message: `filter.${column} must be a string, finite number, boolean, null, object or array`,
        });
      }
    }
  }
  return { sql: conditions.length === 0 ? 'TRUE' : conditions.join(' AND '), values };
}
