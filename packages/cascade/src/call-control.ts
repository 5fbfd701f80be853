/**
 * One call's cancellation: an internal signal that fires on the caller's abort or on the deadline,
 * and remembers which of the two it was.
 */
export interface CallControl {
  readonly signal: AbortSignal;
  /** True once the deadline fired (and the caller had not aborted first). */
  readonly deadlineHit: boolean;
  /** Clears the timer and listeners. */
  dispose(): void;
}

/** Creates the control of one call. */
export function createCallControl(
  userSignal: AbortSignal | undefined,
  deadlineMs: number | undefined,
): CallControl {
  const controller = new AbortController();
  let deadlineHit = false;
  const timer =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          deadlineHit = true;
          controller.abort(new Error(`deadline of ${deadlineMs} ms passed`));
        }, deadlineMs);
  const onUserAbort = (): void => controller.abort(userSignal?.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  return {
    signal: controller.signal,
    get deadlineHit() {
      return deadlineHit;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      userSignal?.removeEventListener('abort', onUserAbort);
    },
  };
}

/**
 * Resolves like `promise`, or rejects with the signal's reason as soon as it aborts. An abandoned
 * promise's later rejection is absorbed, so it never surfaces as an unhandled rejection.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
