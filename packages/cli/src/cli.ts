/**
 * The `sieve` command. `main(argv)` returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError, SieveError } from '@sieve/core';
import { type Dtype, dtypes } from '@sieve/onnx';
import { benchDense } from './bench/dense.js';
import { benchGemm } from './bench/gemm.js';
import { benchInt8 } from './bench/int8.js';
import { benchRerank, rerankWorkloads } from './bench/rerank.js';
import { runBenchChild } from './bench/strategy-child.js';
import { runDemo } from './demo.js';
import { defaultEvalShape, defaultSweep } from './evaluate/cascade-shape.js';
import { runEvaluation } from './evaluate/run-evaluation.js';
import { renderSavedCharts } from './render-saved-charts.js';
import type { RerankWorkloadName } from './results/rerank-bench-result.js';
import { type CliContext, createCliContext } from './support/cli-context.js';
import { parsePositiveInteger } from './support/positive-integer.js';

/** The help text `sieve --help` prints: every command and option. */
export const usage = `sieve: Sieve's demo, benchmarks and evaluation

usage:
  sieve demo [--models DIR] [--query TEXT]...     the main job: hybrid retrieval -> TinyBERT -> pruning -> MiniLM
  sieve bench                                     gemm, rerank (study workload) and cascade, in turn
  sieve bench gemm                                the machine's fp32/int8 GEMM roofline through ONNX Runtime
  sieve bench rerank [--workload study|scifact|both] [--strategies ID,...] [--repeats N] [--python PATH]
                                                  the original study's strategies, int8, bucketing, and peers
  sieve bench cascade [--queries N] [--shapes S;S...] [--prometheus]
                                                  cascade shapes on BEIR: quality-vs-latency frontier + chart
  sieve bench dense [--documents N]               embedding throughput, HNSW build, recall vs exact
  sieve bench int8 [--queries N]                  how int8 scores move with the batch
  sieve chart FILE                                render the charts of a saved rerank, cascade or eval result again
  sieve eval [--split test] [--queries N] [--shapes S;S...] [--prometheus]
                                                  nDCG@10, MRR@10, Recall@k and per-stage latency on BEIR

common options:
  --models DIR     local models (default .cache/models; the demo defaults to the Hugging Face hub)
  --dataset DIR    a BEIR dataset folder (default ../shared/datasets/scifact)
  --results DIR    where results are saved (default bench/results)
  --json           print the result as JSON on stdout (human output goes to stderr)
  --no-progress    no progress bars
  --help           this text

shapes: bm25=N[,tiny=K][,minilm=T][,prune=patience:B|gap:G], separated by ';'
  e.g. --shapes "bm25=100;bm25=100,tiny=30,minilm=10,prune=patience:2"`;

const options = {
  json: { type: 'boolean' },
  progress: { type: 'boolean', default: true },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  models: { type: 'string' },
  dataset: { type: 'string' },
  results: { type: 'string' },
  query: { type: 'string', multiple: true },
  workload: { type: 'string' },
  strategies: { type: 'string' },
  repeats: { type: 'string' },
  model: { type: 'string' },
  python: { type: 'string' },
  queries: { type: 'string' },
  documents: { type: 'string' },
  shapes: { type: 'string' },
  split: { type: 'string' },
  'prefilter-dtype': { type: 'string' },
  'reranker-dtype': { type: 'string' },
  prometheus: { type: 'boolean' },
} as const;

const usageError = (message: string): InvalidArgumentError =>
  new InvalidArgumentError({
    component: 'cli',
    argument: 'argv',
    message: `${message}; see sieve --help`,
  });

/** `a, b or c` */
const either = (values: readonly string[]): string =>
  `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = parsePositiveInteger(value);
  if (number === undefined) {
    throw usageError(`--${name} must be a positive integer, got '${value}'`);
  }
  return number;
}

function dtypeOption(value: string | undefined, name: string): Dtype | undefined {
  if (value === undefined) return undefined;
  if (!(dtypes as readonly string[]).includes(value)) {
    throw usageError(`--${name} must be ${either(dtypes)}, got '${value}'`);
  }
  return value as Dtype;
}

const workloadNames = Object.keys(rerankWorkloads) as RerankWorkloadName[];

/**
 * Runs the command line `argv` (without node and the script) and returns the exit code: 0 done,
 * 1 failed, 2 bad usage (the message on stderr says what was wrong and how to fix it).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['eval', '--queries', '50', '--json']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '__bench-child') return runBenchChild();
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`sieve: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    process.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const context = createCliContext({
    ...(values.json ? { json: true } : {}),
    ...(values.models ? { models: values.models } : {}),
    ...(values.dataset ? { dataset: values.dataset } : {}),
    ...(values.results ? { results: values.results } : {}),
    progress: values.progress !== false && values['no-progress'] !== true,
  });
  try {
    const result = await dispatch(positionals, values, context);
    if (context.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    const usageProblem = InvalidArgumentError.isInstance(error);
    const message = SieveError.isInstance(error)
      ? error.message
      : String((error as Error)?.message ?? error);
    process.stderr.write(`sieve: ${message}\n`);
    if (process.env.SIEVE_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return usageProblem ? 2 : 1;
  }
}

type Values = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>['values'];

async function dispatch(
  positionals: readonly string[],
  values: Values,
  context: CliContext,
): Promise<unknown> {
  const [command, sub] = positionals;
  const shapes = (fallback: string[]): string[] =>
    values.shapes === undefined
      ? fallback
      : values.shapes
          .split(';')
          .map((shape) => shape.trim())
          .filter(Boolean);
  /** The options `sieve eval` and `sieve bench cascade` share. */
  const evaluationOptions = () => ({
    split: values.split ?? 'test',
    ...optional('prefilterDtype', dtypeOption(values['prefilter-dtype'], 'prefilter-dtype')),
    ...optional('rerankerDtype', dtypeOption(values['reranker-dtype'], 'reranker-dtype')),
    prometheus: values.prometheus === true,
  });
  const noExtra = (allowed: number): void => {
    const rest = positionals.slice(allowed);
    if (rest.length > 0) throw usageError(`unexpected arguments: ${rest.join(' ')}`);
  };
  switch (command) {
    case 'demo':
      noExtra(1);
      return runDemo(context, values.query);
    case 'chart':
      if (sub === undefined) throw usageError('sieve chart needs the path of a saved result');
      noExtra(2);
      return renderSavedCharts(context, resolve(process.env.INIT_CWD ?? process.cwd(), sub));
    case 'eval':
      noExtra(1);
      return runEvaluation(context, {
        ...evaluationOptions(),
        name: 'eval',
        shapes: shapes(['bm25=100', defaultEvalShape]),
        ...optional('queries', positiveInteger(values.queries, 'queries')),
      });
    case 'bench': {
      noExtra(2);
      const cascade = () =>
        runEvaluation(context, {
          ...evaluationOptions(),
          name: 'cascade',
          shapes: shapes(defaultSweep),
          queries: positiveInteger(values.queries, 'queries') ?? 30,
        });
      const rerank = () => {
        const workload = values.workload ?? 'study';
        if (workload !== 'both' && !(workloadNames as string[]).includes(workload)) {
          throw usageError(
            `--workload must be ${either([...workloadNames, 'both'])}, got '${workload}'`,
          );
        }
        return benchRerank(context, {
          workloads: workload === 'both' ? workloadNames : [workload as RerankWorkloadName],
          ...optional(
            'strategies',
            values.strategies
              ?.split(',')
              .map((id) => id.trim())
              .filter(Boolean),
          ),
          repeats: positiveInteger(values.repeats, 'repeats') ?? (workload === 'study' ? 3 : 1),
          ...optional('model', values.model),
          ...optional('python', values.python),
        });
      };
      switch (sub ?? 'all') {
        case 'gemm':
          return benchGemm(context);
        case 'rerank':
          return rerank();
        case 'cascade':
          return cascade();
        case 'dense':
          return benchDense(
            context,
            optional('documents', positiveInteger(values.documents, 'documents')),
          );
        case 'int8':
          return benchInt8(
            context,
            optional('queries', positiveInteger(values.queries, 'queries')),
          );
        case 'all':
          return {
            gemm: await benchGemm(context),
            rerank: await rerank(),
            cascade: await cascade(),
          };
        default:
          throw usageError(
            `unknown benchmark '${sub}'; available: gemm, rerank, cascade, dense, int8`,
          );
      }
    }
    default:
      throw usageError(`unknown command '${command}'`);
  }
}

/** `{ [key]: value }` when value is defined, else `{}` (exactOptionalPropertyTypes-friendly). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
