import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.remote-call';
const symbol = Symbol.for(marker);

/**
 * A call to a remote service failed: the connection, a timeout, or an answer that was an error
 * or not of the expected shape. `status` is the HTTP status when there was one.
 */
export class RemoteCallError extends SieveError {
  protected readonly [symbol] = true;
  /** The URL that was called. */
  readonly url: string;
  /** The HTTP status of the answer; absent when none came (connection refused, timeout). */
  readonly status: number | undefined;
  /** Whether trying again may succeed (`429`, `503`, a timeout, a dropped connection). */
  readonly retryable: boolean;

  constructor(options: {
    component: string;
    message: string;
    url: string;
    status?: number;
    retryable: boolean;
    cause?: unknown;
  }) {
    super('remote-call', options);
    this.name = 'RemoteCallError';
    this.url = options.url;
    this.status = options.status;
    this.retryable = options.retryable;
  }

  static override isInstance(error: unknown): error is RemoteCallError {
    return SieveError.hasMarker(error, marker);
  }
}
