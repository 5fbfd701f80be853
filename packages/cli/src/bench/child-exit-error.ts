/**
 * The error of a benchmark subprocess (a strategy process, the Python peer) that ended without a
 * result: its exit code and the last lines of its stderr, where the reason usually is.
 */
export function childExitError(what: string, code: number | null, stderr: string): Error {
  return new Error(
    `${what} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
  );
}
