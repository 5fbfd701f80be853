export { benchDense } from './bench/dense.js';
export { type BertShape, bertShapes, operationsPerPair, shapeOf } from './bench/flops.js';
export {
  benchGemm,
  type GemmResult,
  type GemmRow,
  machineRoofline,
  measureGemm,
  type Roofline,
  rooflineOf,
} from './bench/gemm.js';
export { benchInt8 } from './bench/int8.js';
export {
  benchRerank,
  formatRerankTable,
  type RerankBenchOptions,
  type RerankBenchResult,
  type RerankRow,
  type RerankWorkloadName,
  rerankWorkloads,
} from './bench/rerank.js';
export {
  type RerankStrategy,
  rerankStrategies,
  type StrategyRuntime,
} from './bench/rerank-strategies.js';
export {
  runStrategyInProcess,
  type StrategyMeasurement,
  type StrategyModel,
} from './bench/run-strategy.js';
export { beirWorkload, pairCount, type RerankWorkload } from './bench/workload.js';
export { type Bar, renderBarChartSvg } from './charts/bar-chart.js';
export {
  type FrontierPoint,
  paretoFrontier,
  renderFrontierHtml,
  renderFrontierSvg,
} from './charts/frontier.js';
export {
  evaluationPoints,
  renderResultCharts,
  rerankChartSvg,
} from './charts/render-result-charts.js';
export { main, usage } from './cli.js';
export { type CliContext, type CommonFlags, createCliContext } from './cli-context.js';
export { type DemoResult, demoQueries, runDemo } from './demo.js';
export { loadDemoCorpus, loadDocumentationCorpus } from './demo-corpus.js';
export {
  type CascadeShape,
  defaultEvalShape,
  defaultSweep,
  parseCascadeShape,
  type ShapePruning,
} from './evaluate/cascade-shape.js';
export {
  type EvaluationInputs,
  type EvaluationModels,
  evaluateShape,
  evaluationModels,
  type ShapeEvaluation,
  type StageEvaluation,
} from './evaluate/evaluate-cascade.js';
export {
  type EvaluationOptions,
  type EvaluationResult,
  formatEvaluationTable,
  runEvaluation,
} from './evaluate/run-evaluation.js';
export { describeMachine, type MachineInfo, machineLine } from './machine.js';
export { createProgress, type Progress, type ProgressSettings } from './progress.js';
