/**
 * Where a scorer's time went, summed over the ONNX batches of one or more calls: the host-thread
 * costs (tokenize, pack), the hand-over to and from a worker, and the worker's own costs (feed,
 * run). Batches on parallel workers overlap, so the sum can exceed the wall time; divide by
 * `batches` for a per-batch figure.
 */
export interface InferenceTimings {
  /** ONNX runs. */
  batches: number;
  /** Rows (pairs or texts) run. */
  rows: number;
  /** Rows x the longest row of each batch, summed: the tokens the session computed. */
  paddedTokens: number;
  /** Texts to token ids (the token cache's lookups included), on the calling thread. */
  tokenizeMs: number;
  /** Rows assembled (`[CLS] query [SEP] text [SEP]`) and packed into flat arrays, calling thread. */
  packMs: number;
  /** Waiting for a free session (back-pressure, not work). */
  queueMs: number;
  /** Posted by the host until the worker picks it up; 0 on the same thread. */
  transferMs: number;
  /** The session's int64 input tensors built from the packed rows. */
  feedMs: number;
  /** `session.run`. */
  runMs: number;
  /** Results posted by the worker until the host has them; 0 on the same thread. */
  returnMs: number;
}

/** Zeroed {@link InferenceTimings}. */
export function createInferenceTimings(): InferenceTimings {
  return {
    batches: 0,
    rows: 0,
    paddedTokens: 0,
    tokenizeMs: 0,
    packMs: 0,
    queueMs: 0,
    transferMs: 0,
    feedMs: 0,
    runMs: 0,
    returnMs: 0,
  };
}

/** The timing fields, in pipeline order. */
export const inferenceTimingPhases = [
  'tokenizeMs',
  'packMs',
  'queueMs',
  'transferMs',
  'feedMs',
  'runMs',
  'returnMs',
] as const satisfies ReadonlyArray<keyof InferenceTimings>;

/** Adds `delta` into `total` in place and returns it. */
export function addInferenceTimings(
  total: InferenceTimings,
  delta: Readonly<InferenceTimings>,
): InferenceTimings {
  for (const key of Object.keys(total) as Array<keyof InferenceTimings>) total[key] += delta[key];
  return total;
}

/** Short names of the phases, for tables. */
const phaseLabels: Record<(typeof inferenceTimingPhases)[number], string> = {
  tokenizeMs: 'tokenize',
  packMs: 'pack',
  queueMs: 'queue',
  transferMs: 'transfer',
  feedMs: 'feed',
  runMs: 'run',
  returnMs: 'return',
};

/**
 * One line of per-batch means of the costs (queueing is waiting, not work, and left out):
 * `12 batches of 8.3 rows (96 padded tokens/row), per batch: tokenize 0.41 ms, pack 0.05,
 * transfer 0.12, feed 0.30, run 41.2, return 0.08`.
 *
 * @example
 * ```ts
 * if (report.inference) console.log(formatInferenceTimings(report.inference));
 * ```
 */
export function formatInferenceTimings(timings: Readonly<InferenceTimings>): string {
  const batches = Math.max(1, timings.batches);
  const phases = inferenceTimingPhases
    .filter((phase) => phase !== 'queueMs')
    .map(
      (phase, index) =>
        `${phaseLabels[phase]} ${(timings[phase] / batches).toFixed(2)}${index === 0 ? ' ms' : ''}`,
    );
  const rows = timings.rows / batches;
  const width = timings.rows > 0 ? timings.paddedTokens / timings.rows : 0;
  return `${timings.batches} batches of ${rows.toFixed(1)} rows (${width.toFixed(0)} padded tokens/row), per batch: ${phases.join(', ')}`;
}
