import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.model-load';
const symbol = Symbol.for(marker);

/** A model could not be loaded: missing or corrupt file, wrong graph, mismatched vocabulary. */
export class ModelLoadError extends SieveError {
  protected readonly [symbol] = true;
  /** The model id or folder the user asked for. */
  readonly modelId: string;
  /** The file that failed, when one did. */
  readonly path: string | undefined;

  constructor(options: {
    component: string;
    modelId: string;
    path?: string;
    message: string;
    cause?: unknown;
  }) {
    super('model-load', options);
    this.name = 'ModelLoadError';
    this.modelId = options.modelId;
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is ModelLoadError {
    return SieveError.hasMarker(error, marker);
  }
}
