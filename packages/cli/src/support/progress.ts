/** A progress bar for long work. */
export interface Progress {
  /** Adds `count` finished units (default 1). */
  tick(count?: number): void;
  /** Clears the bar. */
  done(): void;
}

/** Settings of {@link createProgress}. */
export interface ProgressSettings {
  label: string;
  total: number;
  /** Where the bar is drawn. */
  stream: { write(text: string): unknown; columns?: number };
  /** Draw nothing when false (not a terminal, `--no-progress`). */
  enabled: boolean;
  /** Minimum milliseconds between redraws. @default 100 */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A one-line progress bar: `label [#####.....] 45/100 12.3/s eta 4s`, redrawn in place at most
 * every `intervalMs`, on stderr so that stdout stays clean for `--json`.
 */
export function createProgress(settings: ProgressSettings): Progress {
  const { label, total, stream, enabled } = settings;
  const now = settings.now ?? (() => performance.now());
  const intervalMs = settings.intervalMs ?? 100;
  const started = now();
  let count = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const draw = (): void => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const fraction = total > 0 ? Math.min(1, count / total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 ? Math.max(0, (total - count) / rate) : Number.NaN;
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total} ${rate.toFixed(1)}/s${Number.isFinite(eta) ? ` eta ${formatSeconds(eta)}` : ''}`;
    stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\u001b[K`);
    drawn = true;
  };
  return {
    tick(increment = 1) {
      count += increment;
      if (!enabled) return;
      const time = now();
      if (time - lastDraw >= intervalMs || count >= total) {
        lastDraw = time;
        draw();
      }
    },
    done() {
      if (enabled && drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}
