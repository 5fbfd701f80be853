import {
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidConfigError,
  OverloadedError,
  StageError,
} from '@sieve/core';
import type { z } from 'zod';

/** Stable codes of the server's error bodies. */
export type HttpErrorCode =
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'validation'
  | 'empty'
  | 'too_many_documents'
  | 'input_too_long'
  | 'overloaded'
  | 'backend_unavailable'
  | 'not_configured'
  | 'shutting_down'
  | 'unauthorized'
  | 'client_closed'
  | 'not_found'
  | 'deadline_exceeded'
  | 'internal';

/** TEI's error types (`error_type`), plus `NotFound` and `Unauthorized`, which TEI answers without a body. */
type TeiErrorType =
  | 'Validation'
  | 'Empty'
  | 'Overloaded'
  | 'Backend'
  | 'Unhealthy'
  | 'NotFound'
  | 'Unauthorized';

/** An error answered over HTTP: its status, stable code and message, and the field at fault. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly errorType: TeiErrorType;
  readonly path: string | undefined;
  /** Seconds for a `Retry-After` header (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(options: {
    status: number;
    code: HttpErrorCode;
    errorType: TeiErrorType;
    message: string;
    path?: string;
    retryAfterSeconds?: number;
  }) {
    super(options.message);
    this.name = 'HttpError';
    this.status = options.status;
    this.code = options.code;
    this.errorType = options.errorType;
    this.path = options.path;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The JSON body: TEI's `{ error, error_type }`, Cohere's `message`, a stable `code`. */
  body(): { error: string; error_type: string; code: string; message: string; path?: string } {
    return {
      error: this.message,
      error_type: this.errorType,
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
    };
  }
}

/** A 422 for the first issue of a failed zod parse, naming the field (`texts.3`). */
export function validationError(error: z.ZodError): HttpError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  // No texts is TEI's own error (400, `Empty`); no documents the Cohere routes' 422 `empty`.
  if (issue.code === 'too_small' && (path === 'texts' || path === 'documents')) {
    return new HttpError({
      status: path === 'texts' ? 400 : 422,
      code: 'empty',
      errorType: 'Empty',
      message: path === 'texts' ? issue.message : `${path}: ${issue.message}`,
      path,
    });
  }
  return new HttpError({
    status: 422,
    code: 'validation',
    errorType: 'Validation',
    message: path === '' ? issue.message : `${path}: ${issue.message}`,
    path,
  });
}

/**
 * What an error thrown while serving becomes: Sieve's typed errors map to their status (a full
 * queue 429, a failed or crashed inference worker 503, bad input 422); anything else is a 500
 * whose message does not leak internals.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (OverloadedError.isInstance(error)) {
    return new HttpError({
      status: 429,
      code: 'overloaded',
      errorType: 'Overloaded',
      message: error.message,
      retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
    });
  }
  if (StageError.isInstance(error)) {
    return new HttpError({
      status: 503,
      code: 'backend_unavailable',
      errorType: 'Backend',
      message: `scoring failed: ${error.message}; the request can be retried`,
      retryAfterSeconds: 1,
    });
  }
  if (InvalidArgumentError.isInstance(error) || InvalidConfigError.isInstance(error)) {
    return new HttpError({
      status: 422,
      code: 'validation',
      errorType: 'Validation',
      message: error.message,
      ...(InvalidArgumentError.isInstance(error) ? { path: error.argument } : {}),
    });
  }
  if (DeadlineExceededError.isInstance(error)) {
    return new HttpError({
      status: 504,
      code: 'deadline_exceeded',
      errorType: 'Backend',
      message: error.message,
    });
  }
  return new HttpError({
    status: 500,
    code: 'internal',
    errorType: 'Backend',
    message: 'internal error; the server log has the details',
  });
}
