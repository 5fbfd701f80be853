import { expect } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/**
 * Asserts that `call` fails with an {@link InvalidArgumentError}, whether it throws synchronously
 * or returns a rejected promise. Returns the error for further checks.
 *
 * @example
 * ```ts
 * const error = await expectInvalidArgument(() => scorer.doScore({ query: '', documents }));
 * expect(error.argument).toBe('query');
 * ```
 */
export async function expectInvalidArgument(call: () => unknown): Promise<InvalidArgumentError> {
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (caught: unknown) => caught,
    );
  expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
  return error as InvalidArgumentError;
}
