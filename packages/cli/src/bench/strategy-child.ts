/**
 * Strategies of `sieve bench rerank` run each in a fresh process (clean memory high-water mark, no
 * shared warm-up): the parent forks the built `sieve` with `__bench-child`, sends one job, and
 * receives one measurement.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RerankStrategy } from '../results/rerank-strategy.js';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import { childExitError } from './child-exit-error.js';
import { runStrategyInProcess } from './run-strategy.js';
import type { RerankWorkload } from './workload.js';

// Relative to the bundle (dist/cli.js): the child is the built command, never the sources.
const childEntry = fileURLToPath(new URL('../bin/sieve.js', import.meta.url));
const childBuilt = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A child's job. */
interface ChildJob {
  strategy: RerankStrategy;
  workloadFile: string;
  modelFolder: string;
  repeats: number;
}

/** Whether strategies can run in their own process: only from the built CLI. */
export function canRunInChild(): boolean {
  return existsSync(childEntry) && existsSync(childBuilt);
}

/** Runs one strategy on the workload saved in `workloadFile`, in a fresh process. */
export function runInChild(
  strategy: RerankStrategy,
  workloadFile: string,
  modelFolder: string,
  repeats: number,
): Promise<StrategyMeasurement> {
  return new Promise((done, fail) => {
    const child = fork(childEntry, ['__bench-child'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: StrategyMeasurement | undefined;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('message', (message: { measurement?: StrategyMeasurement; error?: string }) => {
      if (message.error) fail(new Error(message.error));
      else result = message.measurement;
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (result) done(result);
      else fail(childExitError('strategy process', code, stderr));
    });
    child.send({ strategy, workloadFile, modelFolder, repeats } satisfies ChildJob);
  });
}

/** The child side (`sieve __bench-child`): one job from the parent, one message back, exit. */
export async function runBenchChild(): Promise<number> {
  const job = await new Promise<ChildJob>((done) => {
    process.once('message', (message) => done(message as ChildJob));
  });
  try {
    const workload = JSON.parse(readFileSync(job.workloadFile, 'utf8')) as RerankWorkload[];
    const measurement = await runStrategyInProcess(
      job.strategy,
      workload,
      { folder: job.modelFolder },
      job.repeats,
    );
    await new Promise<void>((done) => process.send!({ measurement }, () => done()));
    return 0;
  } catch (error) {
    await new Promise<void>((done) =>
      process.send!({ error: (error as Error).message }, () => done()),
    );
    return 1;
  } finally {
    process.disconnect?.();
  }
}
