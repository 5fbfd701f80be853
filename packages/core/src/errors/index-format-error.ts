import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.index-format';
const symbol = Symbol.for(marker);

/** A saved index is corrupt, truncated, of another format, or of an unsupported version. */
export class IndexFormatError extends SieveError {
  protected readonly [symbol] = true;
  /** The file that could not be loaded. */
  readonly path: string;

  constructor(options: { component: string; path: string; message: string; cause?: unknown }) {
    super('index-format', options);
    this.name = 'IndexFormatError';
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is IndexFormatError {
    return SieveError.hasMarker(error, marker);
  }
}
