import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.stage';
const symbol = Symbol.for(marker);

/** A stage failed or broke its contract (threw, or returned the wrong number of scores). */
export class StageError extends SieveError {
  protected readonly [symbol] = true;
  /** The id of the stage that failed. */
  readonly stageId: string;

  constructor(options: { component: string; stageId: string; message: string; cause?: unknown }) {
    super('stage', options);
    this.name = 'StageError';
    this.stageId = options.stageId;
  }

  static override isInstance(error: unknown): error is StageError {
    return SieveError.hasMarker(error, marker);
  }
}
