import type { z } from 'zod';
import { InvalidConfigError } from './errors/invalid-config-error.js';

/**
 * Validates settings against a zod schema once, in a factory, and returns the parsed value.
 * Throws {@link InvalidConfigError} carrying every issue (path and message), never a zod error.
 *
 * @example
 * ```ts
 * const settings = parseSettings(cascadeSettingsSchema, input, { component: 'cascade' });
 * ```
 */
export function parseSettings<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  options: { component: string },
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidConfigError({
    component: options.component,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
    cause: result.error,
  });
}
