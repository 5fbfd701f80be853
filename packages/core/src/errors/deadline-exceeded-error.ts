import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.deadline-exceeded';
const symbol = Symbol.for(marker);

/** A call ran past its `deadlineMs` and the caller asked for `onDeadline: 'throw'`. */
export class DeadlineExceededError extends SieveError {
  protected readonly [symbol] = true;
  /** The deadline of the call, in milliseconds. */
  readonly deadlineMs: number;
  /** The stage that was running when the deadline passed. */
  readonly stageId: string;

  constructor(options: { component: string; deadlineMs: number; stageId: string }) {
    super('deadline-exceeded', {
      component: options.component,
      message: `deadline of ${options.deadlineMs} ms passed during stage '${options.stageId}'; raise deadlineMs, or use onDeadline: 'return' to get the best ranking so far`,
    });
    this.name = 'DeadlineExceededError';
    this.deadlineMs = options.deadlineMs;
    this.stageId = options.stageId;
  }

  static override isInstance(error: unknown): error is DeadlineExceededError {
    return SieveError.hasMarker(error, marker);
  }
}
