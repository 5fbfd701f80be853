import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.dependency-load';
const symbol = Symbol.for(marker);

/** An optional heavy dependency (`onnxruntime-node`, `hnswlib-node`) could not be imported. */
export class DependencyLoadError extends SieveError {
  protected readonly [symbol] = true;
  /** The npm package that failed to load. */
  readonly packageName: string;

  constructor(options: {
    component: string;
    packageName: string;
    message: string;
    cause?: unknown;
  }) {
    super('dependency-load', options);
    this.name = 'DependencyLoadError';
    this.packageName = options.packageName;
  }

  static override isInstance(error: unknown): error is DependencyLoadError {
    return SieveError.hasMarker(error, marker);
  }
}
