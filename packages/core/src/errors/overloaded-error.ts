import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.overloaded';
const symbol = Symbol.for(marker);

/**
 * Work was refused because a bounded queue is full (a server's scoring queue, a remote endpoint's
 * `429`/`503`). Nothing was done; the same call may succeed after `retryAfterMs`.
 */
export class OverloadedError extends SieveError {
  protected readonly [symbol] = true;
  /** How long to wait before trying again, in milliseconds. */
  readonly retryAfterMs: number;

  constructor(options: {
    component: string;
    message: string;
    retryAfterMs: number;
    cause?: unknown;
  }) {
    super('overloaded', options);
    this.name = 'OverloadedError';
    this.retryAfterMs = options.retryAfterMs;
  }

  static override isInstance(error: unknown): error is OverloadedError {
    return SieveError.hasMarker(error, marker);
  }
}
