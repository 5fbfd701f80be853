/**
 * The commands of `sieve`, one table each: the flags a command accepts (what the parser reads and
 * what its help prints) beside the code that runs it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Dtype, dtypes } from '@sieve/onnx';
import { benchDense } from './bench/dense.js';
import { benchGemm } from './bench/gemm.js';
import { benchInt8 } from './bench/int8.js';
import { benchPostgres } from './bench/postgres.js';
import { benchRerank, rerankWorkloads, sweepWorkloads } from './bench/rerank.js';
import { benchServe } from './bench/serve.js';
import { benchSoak } from './bench/soak.js';
import { runDemo } from './demo.js';
import { defaultEvalShape, defaultSweep } from './evaluate/cascade-shape.js';
import { type EvaluationOptions, runEvaluation } from './evaluate/run-evaluation.js';
import { runIndex } from './index-command/run-index.js';
import { renderSavedCharts } from './render-saved-charts.js';
import type { EvaluationWorkload } from './results/evaluation-result.js';
import type { RerankWorkloadName } from './results/rerank-bench-result.js';
import { runServe } from './serve/run-serve.js';
import { type CliContext, typedFromFolder } from './support/cli-context.js';
import {
  type CommandSpec,
  defineCommand,
  type FlagSpec,
  type FlagValues,
  usageError,
} from './support/command-spec.js';
import { optional } from './support/optional.js';
import { parsePositiveInteger } from './support/positive-integer.js';
import { runTune } from './tune/run-tune.js';
import type { TuneSource } from './tune/tune-inputs.js';
import type { TuneTarget } from './tune/tune-result.js';

/** `a, b or c` */
const either = (values: readonly string[]): string =>
  `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

/** Flags shared by several commands, each spelled once. */
const flag = {
  json: {
    type: 'boolean',
    description: 'print the result as JSON on stdout (human output goes to stderr)',
  },
  noProgress: { type: 'boolean', description: 'no progress bars' },
  help: { type: 'boolean', short: 'h', description: "this command's flags" },
  models: {
    type: 'string',
    value: 'DIR',
    description: 'folder of local models under their hub names (default .cache/models)',
  },
  dataset: {
    type: 'string',
    value: 'DIR',
    description: 'a BEIR dataset folder (default ../shared/datasets/scifact)',
  },
  results: {
    type: 'string',
    value: 'DIR',
    description: 'where results are saved (default bench/results)',
  },
} as const satisfies Record<string, FlagSpec>;

/** `--json`, `--no-progress`, `--help`: how a measuring command talks. */
const outputFlags = {
  json: flag.json,
  'no-progress': flag.noProgress,
  help: flag.help,
} as const;

/** `--models`, `--dataset`, `--results`: where a measuring command reads and writes. */
const inputFlags = { models: flag.models, dataset: flag.dataset, results: flag.results } as const;

/** The flags only `sieve eval` and `sieve bench cascade` have, given their defaults. */
const evaluationOwnFlags = (defaults: { queries: string; shapes: string }) =>
  ({
    shapes: {
      type: 'string',
      value: 'S;S...',
      description: `cascade shapes, separated by ';' (default ${defaults.shapes})`,
    },
    queries: {
      type: 'string',
      value: 'N',
      description: `the first N judged queries (default ${defaults.queries})`,
    },
    split: {
      type: 'string',
      value: 'NAME',
      description: 'BEIR split, qrels/NAME.tsv (default test)',
    },
    workload: {
      type: 'string',
      value: 'documents|passages',
      description:
        "rank the corpus's documents, or passages cut from them (up to 3 sentences, 40-90 tokens: pairs ~96 tokens, web and RAG lengths; a passage is judged as its document) (default documents)",
    },
    reference: {
      type: 'string',
      value: 'SHAPE',
      description:
        'the full rerank the agree@10 and cost/ref columns compare with, run too when --shapes lacks it (default the shape with minilm=T, no tiny, no prune, deepest retrieval; without one the columns are empty)',
    },
    embedder: {
      type: 'string',
      value: 'DIR|ID',
      description:
        'the bi-encoder of dense=N and hybrid=N: a model folder or a hub id (default <models>/all-MiniLM-L6-v2, else the hub)',
    },
    'embedder-dtype': {
      type: 'string',
      value: dtypes.join('|'),
      description: 'weights of the embedder (default fp32)',
    },
    prefilter: {
      type: 'string',
      value: 'DIR|ID',
      description:
        'the prefilter (tiny=K): a model folder or a hub id (default <models>/ms-marco-TinyBERT-L-2-v2, else the hub)',
    },
    reranker: {
      type: 'string',
      value: 'DIR|ID',
      description:
        'the reranker (minilm=T): a model folder or a hub id (default <models>/ms-marco-MiniLM-L-6-v2, else the hub)',
    },
    'prefilter-dtype': {
      type: 'string',
      value: dtypes.join('|'),
      description: 'weights of the prefilter (default fp32)',
    },
    'reranker-dtype': {
      type: 'string',
      value: dtypes.join('|'),
      description: 'weights of the reranker (default int8)',
    },
    'prefilter-max-length': {
      type: 'string',
      value: 'N',
      description:
        "the prefilter's longest pair in tokens (default the model's own); with --prefilter set to the reranker's model, a short cut makes it a cheap first pass",
    },
    prometheus: {
      type: 'boolean',
      description: "also save each shape's stats in the Prometheus text format",
    },
    'bound-split': {
      type: 'string',
      value: 'NAME',
      description:
        "the split whose judged queries prune=bounded fits its bound on, never --split's (default train)",
    },
    'bound-queries': {
      type: 'string',
      value: 'N',
      description: 'how many of its judged queries the bound is fitted on (default 100)',
    },
  }) as const satisfies Record<string, FlagSpec>;

/** The flags of `sieve eval` and `sieve bench cascade`. */
const evaluationFlags = (defaults: { queries: string; shapes: string }) =>
  ({
    ...evaluationOwnFlags(defaults),
    ...inputFlags,
    models: {
      ...flag.models,
      description:
        'take the models not named by --embedder, --prefilter or --reranker from DIR, under their hub names (default .cache/models when it holds them, else the hub)',
    },
    ...outputFlags,
  }) as const satisfies Record<string, FlagSpec>;

const shapeNotes = `shapes: RETRIEVER=N[,tiny=K][,minilm=T][,prune=patience:B|gap:G|bounded], separated by ';'
  e.g. --shapes "bm25=100;dense=100;bm25=100,minilm=10;hybrid=100,tiny=30,minilm=10"
  RETRIEVER=N, exactly one: bm25=N (BM25), dense=N (the --embedder's HNSW index) or hybrid=N
    (BM25 and dense fused by reciprocal rank fusion, k 60, each asked for 2N); N candidates
  tiny=K: the prefilter keeps K; minilm=T: the reranker keeps T (the final top-k)
  prune (the reranker, batches of 8): patience:B stops after B batches that change nothing;
    gap:G skips what the previous stage put more than G below its best; bounded stops when no
    unscored candidate can enter the top-k, by a bound of the reranker's score over the previous
    stage's fitted on --bound-split queries before the shape runs
  the dense index is built once per run when a shape needs it, and cached in .cache/indexes/`;

const columnNotes = `columns: nDCG@10, MRR@10, R@10 (final list); R@100, R@depth (the retriever's candidates; R@100
  only at depth >= 100); agree@10 (top-10 overlap with the reference); cost/ref (mean latency
  over the reference's, same run); pairs/q; p50/p95 ms, whole and per stage`;

function positiveInteger(
  value: string | undefined,
  name: string,
  command: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = parsePositiveInteger(value);
  if (number === undefined) {
    throw usageError(`--${name} must be a positive integer, got '${value}'`, { name: command });
  }
  return number;
}

function dtypeOption(value: string | undefined, name: string, command: string): Dtype | undefined {
  if (value === undefined) return undefined;
  if (!(dtypes as readonly string[]).includes(value)) {
    throw usageError(`--${name} must be ${either(dtypes)}, got '${value}'`, { name: command });
  }
  return value as Dtype;
}

function evaluationWorkload(
  value: string | undefined,
  command: string,
): EvaluationWorkload | undefined {
  if (value === undefined) return undefined;
  if (value !== 'documents' && value !== 'passages') {
    throw usageError(`--workload must be documents or passages, got '${value}'`, { name: command });
  }
  return value;
}

/** What `sieve eval` and `sieve bench cascade` read from their flags. */
function evaluationOptions(
  values: FlagValues<ReturnType<typeof evaluationFlags>>,
  fallback: { name: 'eval' | 'cascade'; shapes: string[]; queries?: number },
): EvaluationOptions {
  const command = fallback.name === 'eval' ? 'eval' : 'bench cascade';
  const queries = positiveInteger(values.queries, 'queries', command) ?? fallback.queries;
  return {
    name: fallback.name,
    shapes:
      values.shapes === undefined
        ? fallback.shapes
        : values.shapes
            .split(';')
            .map((shape) => shape.trim())
            .filter(Boolean),
    split: values.split ?? 'test',
    ...optional('workload', evaluationWorkload(values.workload, command)),
    ...optional('queries', queries),
    ...optional('reference', values.reference),
    ...optional('embedder', values.embedder),
    ...optional('embedderDtype', dtypeOption(values['embedder-dtype'], 'embedder-dtype', command)),
    ...optional('prefilter', values.prefilter),
    ...optional('reranker', values.reranker),
    ...optional(
      'prefilterDtype',
      dtypeOption(values['prefilter-dtype'], 'prefilter-dtype', command),
    ),
    ...optional('rerankerDtype', dtypeOption(values['reranker-dtype'], 'reranker-dtype', command)),
    ...optional(
      'prefilterMaxLength',
      positiveInteger(values['prefilter-max-length'], 'prefilter-max-length', command),
    ),
    prometheus: values.prometheus === true,
    ...optional('boundSplit', values['bound-split']),
    ...optional('boundQueries', positiveInteger(values['bound-queries'], 'bound-queries', command)),
  };
}

const workloadNames = Object.keys(rerankWorkloads) as RerankWorkloadName[];

const gemmFlags = { models: flag.models, results: flag.results, ...outputFlags } as const;

const rerankOwnFlags = {
  workload: {
    type: 'string',
    value: 'NAME,...',
    description:
      'study (10 queries x 30 abstracts), scifact (100 x 100), passages (100 x 30 passages, ~96 tokens per pair), sweep (pairs of 64, 128, 256 and 512 tokens: len64 ... len512), both (study and scifact); a comma list runs each (default study)',
  },
  strategies: {
    type: 'string',
    value: 'ID,...',
    description: 'the strategies to run, by id (default all; see the CLI README)',
  },
  repeats: {
    type: 'string',
    value: 'N',
    description: 'measured passes per strategy, median reported (default 3 for study, else 1)',
  },
  model: {
    type: 'string',
    value: 'NAME,...',
    description:
      'model folder under --models (default ms-marco-MiniLM-L-6-v2); a comma list measures each in turn on every workload, with the speed ratio to the first (e.g. ms-marco-MiniLM-L-6-v2,ms-marco-TinyBERT-L-2-v2)',
  },
  python: {
    type: 'string',
    value: 'PATH',
    description:
      'Python with sentence-transformers, for that peer (default $SIEVE_PYTHON, tools/.venv, python3)',
  },
} as const satisfies Record<string, FlagSpec>;

const rerankFlags = { ...rerankOwnFlags, ...inputFlags, ...outputFlags } as const;

function runRerank(values: FlagValues<typeof rerankFlags>, context: CliContext) {
  const aliases: Record<string, RerankWorkloadName[]> = {
    both: ['study', 'scifact'],
    sweep: sweepWorkloads,
  };
  const known = [...workloadNames, ...Object.keys(aliases)];
  const workloads = commaList(values.workload ?? 'study').flatMap((name) => {
    if (aliases[name]) return aliases[name];
    if (!(workloadNames as string[]).includes(name)) {
      throw usageError(`--workload must be ${either(known)} (or a comma list), got '${name}'`, {
        name: 'bench rerank',
      });
    }
    return [name as RerankWorkloadName];
  });
  const models = values.model === undefined ? undefined : commaList(values.model);
  return benchRerank(context, {
    workloads: [...new Set(workloads)],
    ...optional(
      'strategies',
      values.strategies === undefined ? undefined : commaList(values.strategies),
    ),
    repeats:
      positiveInteger(values.repeats, 'repeats', 'bench rerank') ??
      (workloads.includes('scifact') ? 1 : 3),
    ...optional('models', models),
    ...optional('python', values.python),
  });
}

/** The non-empty, trimmed items of a comma list. */
function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const cascadeFlags = evaluationFlags({
  queries: '30',
  shapes: `a sweep of ${defaultSweep.length}`,
});

const tuneFlags = {
  dataset: {
    type: 'string',
    value: 'DIR',
    description:
      'a BEIR folder: corpus.jsonl and queries.jsonl (with --split, the queries judged in qrels/NAME.tsv, and nDCG@10 too)',
  },
  split: {
    type: 'string',
    value: 'NAME',
    description: 'with --dataset: tune on the queries of qrels/NAME.tsv and report nDCG@10',
  },
  corpus: {
    type: 'string',
    value: 'FILE',
    description: 'instead of --dataset: JSONL, one {"_id", "title"?, "text"} per line',
  },
  queries: {
    type: 'string',
    value: 'FILE',
    description: 'with --corpus: JSONL, one {"_id", "text"} per line',
  },
  sample: { type: 'string', value: 'N', description: 'tune on the first N queries (default 100)' },
  reranker: {
    type: 'string',
    value: 'DIR|ID',
    description:
      'the reranker whose answer the cascade keeps: a model folder or a hub id (default <models>/ms-marco-MiniLM-L-6-v2, else the hub)',
  },
  prefilter: {
    type: 'string',
    value: 'DIR|ID|none',
    description:
      'the prefilter: a model folder, a hub id, or none (default <models>/ms-marco-TinyBERT-L-2-v2, else the hub)',
  },
  'reranker-dtype': {
    type: 'string',
    value: dtypes.join('|'),
    description: 'weights of the reranker (default int8)',
  },
  'prefilter-dtype': {
    type: 'string',
    value: dtypes.join('|'),
    description: 'weights of the prefilter (default fp32)',
  },
  'prefilter-max-length': {
    type: 'string',
    value: 'N',
    description:
      "the prefilter's longest pair in tokens; with --prefilter set to the reranker's model, a short cut makes it a cheap first pass",
  },
  k: {
    type: 'string',
    value: 'N',
    description: 'length of the final ranking, and the k of overlap@k (default 10)',
  },
  'min-agreement': {
    type: 'string',
    value: 'A',
    description:
      'choose the cheapest shape whose mean overlap@k with the full rerank is at least A (default 0.95)',
  },
  'budget-ms': {
    type: 'string',
    value: 'MS',
    description:
      'instead: choose the most agreeing shape whose estimated latency per query is at most MS',
  },
  'max-depth': {
    type: 'string',
    value: 'N',
    description: 'the deepest BM25 retrieval tried; the reference reranks this many (default 100)',
  },
  out: {
    type: 'string',
    value: 'FILE',
    description: 'where the chosen configuration is written (default tuned-cascade.json)',
  },
  models: {
    ...flag.models,
    description:
      'take the models not named by --reranker or --prefilter from DIR, under their hub names (default .cache/models when it holds them, else the hub)',
  },
  results: flag.results,
  ...outputFlags,
} as const satisfies Record<string, FlagSpec>;

const tuneNotes = `what it does: BM25 candidates to --max-depth for the sample queries, each scored once by the reranker
  (the reference: the full rerank) and once by the prefilter, timed on this machine; every shape
  (depth x prefilter keep x pruning) replayed through the cascade on those scores; the cheapest
  shape that keeps the reranker's answer is written to --out, then built from that file and run
  on the sample to measure its agreement and latency. No relevance labels needed.
columns: overlap@k (mean |top k ∩ the reference's top k| / k), RBO (rank-biased overlap, p 0.9),
  nDCG@10 (with --split), pairs and calls per query per model, est. ms/q (BM25 + calls x ms/call +
  pairs x ms/pair, measured here), cost/ref (over the full rerank's estimate)
shapes are written as sieve eval --shapes reads them: tiny is the prefilter, minilm the reranker
  e.g. sieve tune --corpus corpus.jsonl --queries queries.jsonl --reranker ./my-reranker --prefilter none
       sieve tune --dataset ../shared/datasets/scifact --split train --budget-ms 200`;

/** `--workload` of `sieve bench serve`. */
function serveWorkload(value: string | undefined): 'documents' | 'passages' | undefined {
  if (value === undefined || value === 'documents' || value === 'passages') return value;
  throw usageError(`--workload must be documents or passages, got '${value}'`, {
    name: 'bench serve',
  });
}

/** A model flag: a folder that exists where the command was typed, else a hub id as given. */
function localOrHub(value: string): string {
  const local = resolve(typedFromFolder(), value);
  return existsSync(local) ? local : value;
}

/** A number option, or a usage error naming its flag. */
function numberOption(
  value: string | undefined,
  name: string,
  command: string,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    throw usageError(`--${name} must be a number, got '${value}'`, { name: command });
  }
  return number;
}

/** Where `sieve tune` reads from: --dataset [--split], or --corpus and --queries. */
function tuneSource(values: FlagValues<typeof tuneFlags>, context: CliContext): TuneSource {
  const command = { name: 'tune' };
  const files = values.corpus !== undefined || values.queries !== undefined;
  if (values.dataset !== undefined && files) {
    throw usageError('pass --dataset DIR or --corpus FILE --queries FILE, not both', command);
  }
  if (values.dataset !== undefined) {
    return { dataset: context.datasetDir, ...optional('split', values.split) };
  }
  if (values.split !== undefined) {
    throw usageError('--split needs --dataset DIR (a BEIR folder with qrels/)', command);
  }
  if (values.corpus === undefined || values.queries === undefined) {
    throw usageError(
      files
        ? `--${values.corpus === undefined ? 'queries' : 'corpus'} needs --${values.corpus === undefined ? 'corpus' : 'queries'} FILE too`
        : 'sieve tune needs a corpus and sample queries: --dataset DIR, or --corpus FILE --queries FILE',
      command,
    );
  }
  const typedFrom = typedFromFolder();
  return { corpus: resolve(typedFrom, values.corpus), queries: resolve(typedFrom, values.queries) };
}

function runTuneCommand(values: FlagValues<typeof tuneFlags>, context: CliContext) {
  const command = 'tune';
  const budgetMs = numberOption(values['budget-ms'], 'budget-ms', command);
  const minAgreement = numberOption(values['min-agreement'], 'min-agreement', command);
  if (budgetMs !== undefined && minAgreement !== undefined) {
    throw usageError('pass --budget-ms or --min-agreement, not both', { name: command });
  }
  const target: TuneTarget | undefined =
    budgetMs !== undefined
      ? { budgetMs }
      : minAgreement !== undefined
        ? { minAgreement }
        : undefined;
  const source = tuneSource(values, context);
  return runTune(context, {
    source,
    ...optional('sample', positiveInteger(values.sample, 'sample', command)),
    ...optional('reranker', values.reranker),
    ...optional('prefilter', values.prefilter),
    ...optional('rerankerDtype', dtypeOption(values['reranker-dtype'], 'reranker-dtype', command)),
    ...optional(
      'prefilterDtype',
      dtypeOption(values['prefilter-dtype'], 'prefilter-dtype', command),
    ),
    ...optional(
      'prefilterMaxLength',
      positiveInteger(values['prefilter-max-length'], 'prefilter-max-length', command),
    ),
    ...optional('k', positiveInteger(values.k, 'k', command)),
    ...optional('maxDepth', positiveInteger(values['max-depth'], 'max-depth', command)),
    ...optional('target', target),
    ...optional(
      'out',
      values.out === undefined ? undefined : resolve(typedFromFolder(), values.out),
    ),
  });
}

const runCascade = (values: FlagValues<typeof cascadeFlags>, context: CliContext) =>
  runEvaluation(
    context,
    evaluationOptions(values, { name: 'cascade', shapes: defaultSweep, queries: 30 }),
  );

/** `--distance` of `sieve index` and `sieve bench postgres`. */
const pgDistanceNames = ['cosine', 'inner-product', 'l2'] as const;

/** The flags `sieve index` and `sieve bench postgres` share. */
const pgFlags = {
  pg: {
    type: 'string',
    value: 'URL',
    description: 'the database: postgresql://user:password@host:5432/db (pgvector installed)',
  },
  embedder: {
    type: 'string',
    value: 'DIR|ID',
    description:
      'the bi-encoder: a model folder or a hub id (default <models>/all-MiniLM-L6-v2-real, else Xenova/all-MiniLM-L6-v2)',
  },
  m: { type: 'string', value: 'N', description: 'HNSW links per node (default 16)' },
  'ef-construction': {
    type: 'string',
    value: 'N',
    description: 'HNSW candidate list while building (default 64)',
  },
  'batch-size': {
    type: 'string',
    value: 'N',
    description: 'documents per embedder call and INSERT (default 256)',
  },
} as const satisfies Record<string, FlagSpec>;

/** `--pg`, checked before anything loads. */
function pgUrl(value: string | undefined, command: string): string | undefined {
  if (value !== undefined && !/^postgres(ql)?:\/\//u.test(value)) {
    throw usageError(`--pg must be a postgres:// or postgresql:// URL, got '${value}'`, {
      name: command,
    });
  }
  return value;
}

/** What `--m`, `--ef-construction` and `--batch-size` say. */
function pgIndexShape(
  values: Partial<Record<'m' | 'ef-construction' | 'batch-size', string>>,
  command: string,
) {
  return {
    ...optional('m', positiveInteger(values.m, 'm', command)),
    ...optional(
      'efConstruction',
      positiveInteger(values['ef-construction'], 'ef-construction', command),
    ),
    ...optional('batchSize', positiveInteger(values['batch-size'], 'batch-size', command)),
  };
}

/** Every command of `sieve`, in the order `sieve --help` lists them. */
export const commands: readonly CommandSpec[] = [
  defineCommand({
    name: 'demo',
    summary:
      "the main job: hybrid retrieval -> TinyBERT -> pruning -> MiniLM over Sieve's documentation",
    flags: {
      query: {
        type: 'string',
        value: 'TEXT',
        multiple: true,
        description: 'a query to run instead of the built-in three (repeatable)',
      },
      embedder: {
        type: 'string',
        value: 'DIR|ID',
        description:
          'the dense retriever: a model folder or a hub id (default Xenova/all-MiniLM-L6-v2)',
      },
      prefilter: {
        type: 'string',
        value: 'DIR|ID',
        description:
          'the prefilter: a model folder or a hub id (default Xenova/ms-marco-TinyBERT-L-2-v2)',
      },
      reranker: {
        type: 'string',
        value: 'DIR|ID',
        description:
          'the reranker: a model folder or a hub id (default Xenova/ms-marco-MiniLM-L-6-v2)',
      },
      models: {
        ...flag.models,
        description:
          'take the models not named above from DIR, under their hub names (default the Hugging Face hub)',
      },
      json: flag.json,
      help: flag.help,
    },
    run: ({ values }, context) =>
      runDemo(context, {
        ...optional('queries', values.query),
        ...optional('embedder', values.embedder),
        ...optional('prefilter', values.prefilter),
        ...optional('reranker', values.reranker),
      }),
  }),
  defineCommand({
    name: 'bench',
    summary: 'gemm, rerank (study workload) and cascade, in turn',
    flags: {
      ...rerankOwnFlags,
      ...evaluationOwnFlags({ queries: '30', shapes: `a sweep of ${defaultSweep.length}` }),
      ...cascadeFlags,
    },
    run: async ({ values }, context) => ({
      gemm: await benchGemm(context),
      rerank: await runRerank(values, context),
      cascade: await runCascade(values, context),
    }),
  }),
  defineCommand({
    name: 'bench gemm',
    summary: "the machine's fp32/int8 GEMM roofline through ONNX Runtime",
    flags: gemmFlags,
    run: (_input, context) => benchGemm(context),
  }),
  defineCommand({
    name: 'bench rerank',
    summary: "the original study's strategies, int8, bucketing, and peers on the same pairs",
    flags: rerankFlags,
    run: ({ values }, context) => runRerank(values, context),
  }),
  defineCommand({
    name: 'bench cascade',
    summary:
      'cascade shapes on BEIR: the quality-vs-latency frontier, with an SVG chart and a page',
    flags: cascadeFlags,
    notes: `${shapeNotes}\n  default: ${defaultSweep.join(';')}\n${columnNotes}`,
    run: ({ values }, context) => runCascade(values, context),
  }),
  defineCommand({
    name: 'bench dense',
    summary: 'embedding throughput, HNSW build, and HNSW recall against exact search',
    flags: {
      documents: {
        type: 'string',
        value: 'N',
        description: 'the first N documents of the corpus (default all)',
      },
      ...inputFlags,
      ...outputFlags,
    },
    run: ({ values }, context) =>
      benchDense(
        context,
        optional('documents', positiveInteger(values.documents, 'documents', 'bench dense')),
      ),
  }),
  defineCommand({
    name: 'bench int8',
    summary: 'how far int8 scores move with the batch they are computed in',
    flags: {
      queries: { type: 'string', value: 'N', description: 'SciFact test queries (default 3)' },
      ...inputFlags,
      ...outputFlags,
    },
    run: ({ values }, context) =>
      benchInt8(
        context,
        optional('queries', positiveInteger(values.queries, 'queries', 'bench int8')),
      ),
  }),
  defineCommand({
    name: 'bench serve',
    summary:
      'the reranker behind sieve serve under load: req/s, pairs/s, latency, errors and RSS, cross-request batching on and off',
    flags: {
      model: {
        type: 'string',
        value: 'DIR|ID',
        description: 'the reranker (default <models>/ms-marco-MiniLM-L-6-v2)',
      },
      dtype: {
        type: 'string',
        value: dtypes.join('|'),
        description: 'weights of the reranker (default int8)',
      },
      duration: {
        type: 'string',
        value: 'S',
        description: 'seconds of load per cell, and of the in-process figure (default 10)',
      },
      connections: {
        type: 'string',
        value: 'N,...',
        description: 'concurrent connections, one cell each (default 1,8,64)',
      },
      docs: {
        type: 'string',
        value: 'N,...',
        description: 'texts per request, BM25 top-N of the query (default 30,100)',
      },
      workload: {
        type: 'string',
        value: 'documents|passages',
        description:
          'SciFact abstracts (~375 tokens a pair, default) or passages of up to 3 sentences (~96)',
      },
      ...inputFlags,
      ...outputFlags,
    },
    run: ({ values }, context) => {
      const integers = (value: string | undefined, name: string) =>
        value === undefined
          ? undefined
          : commaList(value).map((item) => positiveInteger(item, name, 'bench serve')!);
      return benchServe(context, {
        ...optional('model', values.model),
        ...optional('dtype', dtypeOption(values.dtype, 'dtype', 'bench serve')),
        ...optional('durationSeconds', positiveInteger(values.duration, 'duration', 'bench serve')),
        ...optional('connections', integers(values.connections, 'connections')),
        ...optional('documents', integers(values.docs, 'docs')),
        ...optional('workload', serveWorkload(values.workload)),
      });
    },
  }),
  defineCommand({
    name: 'bench postgres',
    summary:
      'pgvector and PostgreSQL full-text as the index: load rate, HNSW build, recall vs exact per ef_search, latency at 1 and 8 clients, nDCG@10 beside in-process retrieval',
    flags: {
      ...pgFlags,
      pg: {
        ...pgFlags.pg,
        description:
          'a server with pgvector to use (its tables sieve_bench.* are dropped and made again; default: a throwaway server from tools/pg-test-server.py)',
      },
      queries: {
        type: 'string',
        value: 'N',
        description: 'the first N judged test queries (default all)',
      },
      ef: {
        type: 'string',
        value: 'N,...',
        description: 'ef_search values of the recall sweep (default 10,20,40,80,160)',
      },
      clients: {
        type: 'string',
        value: 'N,...',
        description: 'concurrent clients of the latency cells (default 1,8)',
      },
      'embed-sample': {
        type: 'string',
        value: 'N',
        description: 'documents loaded with embedding included, for that load rate (default 512)',
      },
      reranker: {
        type: 'string',
        value: 'DIR|ID',
        description:
          "the cascade's reranker, int8 (default <models>/sieve-eval-MiniLM-L6-scifact, else the hub's Xenova/ms-marco-MiniLM-L-6-v2)",
      },
      shape: {
        type: 'string',
        value: 'SHAPE',
        description: 'the cascade shape, as sieve eval reads it (default hybrid=30,minilm=10)',
      },
      'skip-cascade': { type: 'boolean', description: 'no cascade (no reranker)' },
      ...inputFlags,
      ...outputFlags,
    },
    run: ({ values }, context) => {
      const command = 'bench postgres';
      const integers = (value: string | undefined, name: string) =>
        value === undefined
          ? undefined
          : commaList(value).map((item) => positiveInteger(item, name, command)!);
      return benchPostgres(context, {
        ...optional('pg', pgUrl(values.pg, command)),
        ...optional('embedder', values.embedder),
        ...pgIndexShape(values, command),
        ...optional('queries', positiveInteger(values.queries, 'queries', command)),
        ...optional('efSearch', integers(values.ef, 'ef')),
        ...optional('clients', integers(values.clients, 'clients')),
        ...optional(
          'embedSample',
          positiveInteger(values['embed-sample'], 'embed-sample', command),
        ),
        ...optional('reranker', values.reranker),
        ...optional('shape', values.shape),
        skipCascade: values['skip-cascade'] === true,
      });
    },
  }),
  defineCommand({
    name: 'bench soak',
    summary:
      'the full cascade for many queries, in process and through sieve serve, and cross-encoders created and disposed: RSS growth and errors',
    flags: {
      tiny: {
        type: 'boolean',
        description:
          'both stages on the tiny fixture model of @sieve/onnx (a quick run, as CI does)',
      },
      prefilter: {
        type: 'string',
        value: 'DIR',
        description: 'the prefilter (default <models>/ms-marco-TinyBERT-L-2-v2)',
      },
      reranker: {
        type: 'string',
        value: 'DIR',
        description:
          'the reranker, also the model of the cycles (default <models>/ms-marco-MiniLM-L-6-v2)',
      },
      queries: {
        type: 'string',
        value: 'N',
        description: 'queries per phase, cycling through the test queries (default 10000)',
      },
      depth: {
        type: 'string',
        value: 'N',
        description: 'BM25 candidates per query, all scored by the prefilter (default 100)',
      },
      cycles: {
        type: 'string',
        value: 'N',
        description: 'create/score/dispose cycles of the reranker (default 200)',
      },
      'sample-every': {
        type: 'string',
        value: 'K',
        description:
          'read RSS every K queries, after a full garbage collection (default queries / 50)',
      },
      concurrency: {
        type: 'string',
        value: 'N',
        description: 'requests in flight in the server phase (default 4)',
      },
      ...inputFlags,
      ...outputFlags,
    },
    notes: `a phase passes when RSS grows less than 5% from the end of its first 10% to its end (medians of
  the samples at 5-15% and at 90-100%) and no step failed; the command exits 1 otherwise
  e.g. sieve bench soak --tiny --queries 300 --cycles 40`,
    run: async ({ values }, context) => {
      const integer = (name: 'queries' | 'depth' | 'cycles' | 'sample-every' | 'concurrency') =>
        positiveInteger(values[name], name, 'bench soak');
      const result = await benchSoak(context, {
        ...optional('tiny', values.tiny === true ? true : undefined),
        ...optional('prefilter', values.prefilter && localOrHub(values.prefilter)),
        ...optional('reranker', values.reranker && localOrHub(values.reranker)),
        ...optional('queries', integer('queries')),
        ...optional('depth', integer('depth')),
        ...optional('cycles', integer('cycles')),
        ...optional('sampleEvery', integer('sample-every')),
        ...optional('concurrency', integer('concurrency')),
      });
      if (!result.passed) throw new Error('[bench soak] a phase failed: see the table above');
      return result;
    },
  }),
  defineCommand({
    name: 'chart',
    operands: ['FILE'],
    summary: 'render the charts of a saved rerank, cascade or eval result again, next to it',
    flags: { json: flag.json, help: flag.help },
    run: ({ operands }, context) =>
      renderSavedCharts(context, resolve(typedFromFolder(), operands[0]!)),
  }),
  defineCommand({
    name: 'eval',
    summary:
      'nDCG@10, MRR@10, Recall@k, agreement with the full rerank and per-stage cost of cascade shapes on BEIR',
    flags: evaluationFlags({ queries: 'all', shapes: `bm25=100;${defaultEvalShape}` }),
    notes: `${shapeNotes}\n${columnNotes}`,
    run: ({ values }, context) =>
      runEvaluation(
        context,
        evaluationOptions(values, { name: 'eval', shapes: ['bm25=100', defaultEvalShape] }),
      ),
  }),
  defineCommand({
    name: 'index',
    summary:
      'embed a corpus and load it into PostgreSQL + pgvector (table, full-text and HNSW indexes made if absent); resumable',
    flags: {
      corpus: {
        type: 'string',
        value: 'DIR|FILE',
        description:
          'a BEIR folder (its corpus.jsonl) or a JSONL file of {"_id", "title"?, "text", "metadata"?}',
      },
      ...pgFlags,
      table: {
        type: 'string',
        value: 'NAME',
        description: 'the table, name or schema.name (made if absent)',
      },
      'embedder-dtype': {
        type: 'string',
        value: dtypes.join('|'),
        description: 'weights of the embedder (default fp32)',
      },
      distance: {
        type: 'string',
        value: pgDistanceNames.join('|'),
        description: 'what the HNSW index serves (default cosine)',
      },
      models: flag.models,
      'no-progress': flag.noProgress,
      json: flag.json,
      help: flag.help,
    },
    notes: `e.g. sieve index --corpus ../shared/datasets/scifact --pg postgresql://postgres@localhost/search --table docs
  ids already in the table are skipped without being embedded: run it again to resume an interrupted load`,
    run: ({ values }, context) => {
      const command = 'index';
      const required = (value: string | undefined, name: string): string => {
        if (value === undefined) throw usageError(`--${name} is required`, { name: command });
        return value;
      };
      const distance = values.distance;
      if (distance !== undefined && !(pgDistanceNames as readonly string[]).includes(distance)) {
        throw usageError(`--distance must be ${either(pgDistanceNames)}, got '${distance}'`, {
          name: command,
        });
      }
      return runIndex(context, {
        corpus: resolve(typedFromFolder(), required(values.corpus, 'corpus')),
        connectionString: pgUrl(required(values.pg, 'pg'), command)!,
        table: required(values.table, 'table'),
        ...optional('embedder', values.embedder),
        ...optional(
          'embedderDtype',
          dtypeOption(values['embedder-dtype'], 'embedder-dtype', command),
        ),
        ...optional('distance', distance as (typeof pgDistanceNames)[number] | undefined),
        ...pgIndexShape(values, command),
      });
    },
  }),
  defineCommand({
    name: 'serve',
    summary:
      'an HTTP server: TEI- and Cohere-compatible rerank, cascade search, metrics (until SIGTERM)',
    flags: {
      config: {
        type: 'string',
        value: 'FILE',
        description:
          'a serve config ({ cascade, rerankModel?, corpus?, port?, host?, server? }) or the cascade config sieve tune writes',
      },
      reranker: {
        type: 'string',
        value: 'DIR|ID',
        description: 'serve this reranker (a model folder or a hub id) instead of the config one',
      },
      dtype: {
        type: 'string',
        value: dtypes.join('|'),
        description: 'weights of --reranker (default int8)',
      },
      corpus: {
        type: 'string',
        value: 'DIR|FILE',
        description:
          'what /search searches: a BEIR folder or a JSONL corpus, indexed with BM25 at start',
      },
      port: { type: 'string', value: 'N', description: 'port (default 8080; 0 picks a free one)' },
      host: {
        type: 'string',
        value: 'HOST',
        description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for other machines)',
      },
      workers: { type: 'string', value: 'N', description: 'inference workers per model' },
      'api-key': {
        type: 'string',
        value: 'KEY',
        description:
          'require Authorization: Bearer KEY on all but /health, /ready, /metrics (default $SIEVE_API_KEY, else none)',
      },
      'no-batching': {
        type: 'boolean',
        description: 'score each request on its own (no cross-request batching)',
      },
      help: flag.help,
    },
    notes: `e.g. sieve serve --reranker Xenova/ms-marco-MiniLM-L-6-v2 --corpus ../shared/datasets/scifact
     curl -s localhost:8080/rerank -H 'content-type: application/json' -d '{"query":"q","texts":["a","b"]}'`,
    run: ({ values }, context) => {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
        throw usageError(`--port must be an integer in 0..65535, got '${values.port}'`, {
          name: 'serve',
        });
      }
      return runServe(context, {
        ...optional('config', values.config && resolve(typedFromFolder(), values.config)),
        ...optional('reranker', values.reranker && localOrHub(values.reranker)),
        ...optional('dtype', dtypeOption(values.dtype, 'dtype', 'serve')),
        ...optional('corpus', values.corpus && resolve(typedFromFolder(), values.corpus)),
        ...optional('port', port),
        ...optional('host', values.host),
        ...optional('workers', positiveInteger(values.workers, 'workers', 'serve')),
        ...optional('apiKey', values['api-key'] ?? (process.env.SIEVE_API_KEY || undefined)),
        ...(values['no-batching'] === true ? { crossRequest: false } : {}),
      });
    },
  }),
  defineCommand({
    name: 'tune',
    summary:
      "the cheapest cascade that keeps the reranker's answer on your corpus, without labels: writes its configuration",
    flags: tuneFlags,
    notes: tuneNotes,
    run: ({ values }, context) => runTuneCommand(values, context),
  }),
];
