// The programmatic surface of the `sieve` command: the command line itself, and the commands a
// program may run without it. Benchmark internals (strategies, GEMM, charts, result files) stay
// inside the package: the tests reach them by relative paths.
export { benchRerank, type RerankBenchOptions } from './bench/rerank.js';
export { main, usage } from './cli.js';
export { type DemoOptions, type DemoResult, runDemo } from './demo.js';
export { type CascadeShape, parseCascadeShape } from './evaluate/cascade-shape.js';
export { type EvaluationOptions, runEvaluation } from './evaluate/run-evaluation.js';
export type { EvaluationResult, ShapeEvaluation } from './results/evaluation-result.js';
export type {
  RerankBenchResult,
  RerankRow,
  RerankWorkloadName,
} from './results/rerank-bench-result.js';
export { type CliContext, type CommonFlags, createCliContext } from './support/cli-context.js';
export {
  type LoadConfigModelsOptions,
  loadConfigModels,
} from './tune/load-config-models.js';
export { runTune, type TuneOptions } from './tune/run-tune.js';
export type { TuneSource } from './tune/tune-inputs.js';
export type {
  TunedShape,
  TuneResult,
  TuneTarget,
  TuneVerification,
} from './tune/tune-result.js';
