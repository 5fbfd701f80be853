import { InvalidArgumentError } from './errors/invalid-argument-error.js';

/**
 * Throws {@link InvalidArgumentError} unless `value` is a string with a non-blank character.
 * Shared by every stage so that the same bad input gets the same error everywhere.
 */
export function assertQuery(value: unknown, component: string, argument = 'query'): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} must be a string, got ${describeType(value)}`,
    });
  }
  if (value.trim() === '') {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} is empty; pass the text to search for`,
    });
  }
  return value;
}

/** Throws {@link InvalidArgumentError} unless `value` is a positive safe integer. */
export function assertTopK(value: unknown, component: string, argument = 'topK'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} must be a positive integer, got ${describeValue(value)}`,
    });
  }
  return value;
}

/**
 * Checks an array of `{ id, text }` documents: an array, string ids without duplicates, string
 * texts. Returns it unchanged.
 */
export function assertDocuments<T extends { id: string; text: string }>(
  value: unknown,
  component: string,
  options: { argument?: string; allowEmpty?: boolean } = {},
): readonly T[] {
  const argument = options.argument ?? 'documents';
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} must be an array of { id, text }, got ${describeType(value)}`,
    });
  }
  if (value.length === 0 && options.allowEmpty !== true) {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} is empty; pass at least one document`,
    });
  }
  const seen = new Set<string>();
  value.forEach((document: unknown, index) => {
    const at = `${argument}[${index}]`;
    if (document == null || typeof document !== 'object') {
      throw new InvalidArgumentError({
        component,
        argument: at,
        message: `${at} must be an object { id, text }, got ${describeType(document)}`,
      });
    }
    const { id, text } = document as { id?: unknown; text?: unknown };
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError({
        component,
        argument: `${at}.id`,
        message: `${at}.id must be a non-empty string, got ${describeValue(id)}`,
      });
    }
    if (seen.has(id)) {
      throw new InvalidArgumentError({
        component,
        argument: `${at}.id`,
        message: `duplicate document id '${id}' at ${at}; ids must be unique`,
      });
    }
    seen.add(id);
    if (typeof text !== 'string') {
      throw new InvalidArgumentError({
        component,
        argument: `${at}.text`,
        message: `${at}.text (id '${id}') must be a string, got ${describeType(text)}`,
      });
    }
  });
  return value as T[];
}

/** A short description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return describeType(value);
}
