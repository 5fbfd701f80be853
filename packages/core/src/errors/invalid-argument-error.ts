import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.invalid-argument';
const symbol = Symbol.for(marker);

/**
 * A call argument is invalid: an empty query, a `topK` that is not a positive integer, duplicate
 * ids, a non-string text. {@link InvalidArgumentError.argument} names the argument.
 */
export class InvalidArgumentError extends SieveError {
  protected readonly [symbol] = true;
  /** The argument that was wrong, as a path: `query`, `documents[3].text`. */
  readonly argument: string;

  constructor(options: { component: string; argument: string; message: string; cause?: unknown }) {
    super('invalid-argument', options);
    this.name = 'InvalidArgumentError';
    this.argument = options.argument;
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return SieveError.hasMarker(error, marker);
  }
}
