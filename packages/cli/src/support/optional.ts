/**
 * `{ [key]: value }` when `value` is defined, else `{}`: spreads an option only when it was given,
 * as `exactOptionalPropertyTypes` wants.
 *
 * @example
 * ```ts
 * runEvaluation(context, { name: 'eval', shapes, split, ...optional('queries', queries) });
 * ```
 */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
