const baseMarker = 'sieve.error';
const baseSymbol = Symbol.for(baseMarker);

/** Stable machine-readable error codes of the {@link SieveError} family. */
export type SieveErrorCode =
  | 'invalid-argument'
  | 'invalid-config'
  | 'model-load'
  | 'stage'
  | 'deadline-exceeded'
  | 'dependency-load'
  | 'index-format'
  | 'download'
  | 'overloaded'
  | 'remote-call';

/** Options shared by every {@link SieveError}. */
export interface SieveErrorOptions {
  /** The component that raised the error, e.g. `cascade`, `rerank`, `retrieval`. */
  component: string;
  /** What went wrong and how to fix it. */
  message: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error Sieve throws on purpose.
 *
 * Each subclass has a stable {@link SieveError.code} and structured fields. Use the static
 * `isInstance` methods rather than `instanceof`: they work across duplicate copies of the package
 * (a `Symbol.for` marker), where `instanceof` does not.
 *
 * @example
 * ```ts
 * try { await cascade.search({ query: '' }); }
 * catch (error) { if (InvalidArgumentError.isInstance(error)) console.log(error.argument); }
 * ```
 */
export class SieveError extends Error {
  protected readonly [baseSymbol] = true;
  /** Stable code of the error kind. */
  readonly code: SieveErrorCode;
  /** The component that raised the error. */
  readonly component: string;

  constructor(code: SieveErrorCode, options: SieveErrorOptions) {
    super(`[${options.component}] ${options.message}`, { cause: options.cause });
    this.name = 'SieveError';
    this.code = code;
    this.component = options.component;
  }

  /** True for any error of the Sieve family, from any copy of `@sieve/core`. */
  static isInstance(error: unknown): error is SieveError {
    return SieveError.hasMarker(error, baseMarker);
  }

  /** @internal Checks a `Symbol.for(marker)` brand; used by the subclasses' `isInstance`. */
  protected static hasMarker(error: unknown, marker: string): boolean {
    const symbol = Symbol.for(marker);
    return (
      error != null &&
      typeof error === 'object' &&
      symbol in error &&
      (error as Record<symbol, unknown>)[symbol] === true
    );
  }
}
