import { SieveError } from './sieve-error.js';

const marker = 'sieve.error.invalid-config';
const symbol = Symbol.for(marker);

/** One problem found while validating settings. */
export interface ConfigIssue {
  /** Where the problem is, e.g. `stages.1.topK`. Empty for the settings object itself. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** Settings given to a factory (`createCascade`, `createCrossEncoder`, ...) are invalid. */
export class InvalidConfigError extends SieveError {
  protected readonly [symbol] = true;
  /** Every problem found, not only the first. */
  readonly issues: readonly ConfigIssue[];

  constructor(options: { component: string; issues: readonly ConfigIssue[]; cause?: unknown }) {
    const list = options.issues
      .map((issue) => `${issue.path === '' ? '(settings)' : issue.path}: ${issue.message}`)
      .join('; ');
    super('invalid-config', {
      component: options.component,
      message: `invalid settings: ${list}`,
      cause: options.cause,
    });
    this.name = 'InvalidConfigError';
    this.issues = options.issues;
  }

  static override isInstance(error: unknown): error is InvalidConfigError {
    return SieveError.hasMarker(error, marker);
  }
}
