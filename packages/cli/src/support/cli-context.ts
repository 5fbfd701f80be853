import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { createProgress, type Progress } from './progress.js';

/**
 * Where a command reads and writes, and how it talks: what every programmatic entry point
 * (`runEvaluation`, `benchRerank`, `runDemo`) takes first. Build it with {@link createCliContext},
 * or write one (tests collect `print` lines instead of writing them).
 */
export interface CliContext {
  /** Folder relative defaults are resolved against (the repository root under `npm run`). */
  root: string;
  /** `--json`: the result goes to stdout as JSON, human output to stderr. @default false */
  json: boolean;
  /** Human output (stdout, or stderr with `--json`). */
  print(line?: string): void;
  /** Warnings and skips, always on stderr. */
  warn(line: string): void;
  /** Folder of the benchmark and evaluation results. */
  resultsDir: string;
  /** Folder of local models (`--models`). */
  modelsDir: string;
  /** Whether `--models` was given (rather than the default). */
  modelsGiven: boolean;
  /** BEIR dataset folder (`--dataset`). */
  datasetDir: string;
  /** A progress bar on stderr when it is a terminal, silent otherwise. */
  progress(label: string, total: number): Progress;
}

/** Flags every command understands, as {@link createCliContext} takes them. */
export interface CommonFlags {
  /** Human output to stderr, so that stdout carries only the JSON result. @default false */
  json?: boolean;
  /** Folder of local models. @default '.cache/models' */
  models?: string;
  /** A BEIR dataset folder. @default '../shared/datasets/scifact' */
  dataset?: string;
  /** Where results are saved. @default 'bench/results' */
  results?: string;
  /** A progress bar on stderr when it is a terminal. @default true */
  progress?: boolean;
}

/**
 * Builds the context: defaults relative to the working folder (npm runs root scripts in the
 * repository root), paths the user typed relative to where they typed them (`INIT_CWD`).
 *
 * @example
 * ```ts
 * const context = createCliContext({ dataset: './beir/scifact', models: './models' });
 * ```
 */
export function createCliContext(flags: CommonFlags, environment = process.env): CliContext {
  const root = process.cwd();
  const typedFrom = typedFromFolder(environment);
  const userPath = (value: string | undefined, fallback: string): string =>
    value === undefined ? fallback : resolve(typedFrom, value);
  const json = flags.json === true;
  const human = json ? process.stderr : process.stdout;
  const showProgress = flags.progress !== false && process.stderr.isTTY === true;
  return {
    root,
    json,
    print: (line = '') => human.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
    resultsDir: userPath(flags.results, resolve(root, 'bench/results')),
    modelsDir: userPath(flags.models, resolve(root, '.cache/models')),
    modelsGiven: flags.models !== undefined,
    datasetDir: userPath(flags.dataset, resolve(root, '../shared/datasets/scifact')),
    progress: (label, total) =>
      createProgress({ label, total, stream: process.stderr, enabled: showProgress }),
  };
}

/**
 * The folder paths the user typed are relative to: where they typed the command (`INIT_CWD`, which
 * npm sets before it moves to the repository root), else the working folder.
 */
export function typedFromFolder(environment: NodeJS.ProcessEnv = process.env): string {
  return environment.INIT_CWD ?? process.cwd();
}

/** Throws an InvalidArgumentError naming each missing path and how to get it. */
export function requirePaths(paths: Record<string, string>, hint: string): void {
  const missing = Object.entries(paths).filter(([, path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: missing[0]![0],
      message: `${missing.map(([what, path]) => `missing ${what}: ${path}`).join('; ')}. ${hint}`,
    });
  }
}

/** Hint for missing benchmark inputs. */
export const benchInputsHint =
  'SciFact comes from ../shared (or pass --dataset DIR, a BEIR folder); the architecture-exact benchmark models from `npm run models` (or pass --models DIR)';
