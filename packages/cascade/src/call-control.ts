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
