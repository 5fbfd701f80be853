import {
  type EvaluationResult,
  randomWeightsNote,
  type ShapeEvaluation,
} from '../results/evaluation-result.js';
import type { ResultFile } from '../results/save-result.js';
import { type FrontierPoint, renderFrontierHtml, renderFrontierSvg } from './frontier.js';

/** The parts of an evaluation result its charts are drawn from. */
export type EvaluationChartInput = Pick<
  EvaluationResult,
  'benchmark' | 'queries' | 'split' | 'machine' | 'modelsAreRandomWeights'
> & {
  shapes: ReadonlyArray<
    Pick<
      ShapeEvaluation,
      'shape' | 'latencyMs' | 'ndcgAt10' | 'mrrAt10' | 'recallAt10' | 'pairsPerQuery'
    > &
      // Results saved before the agreement and cost columns lack them.
      Partial<Pick<ShapeEvaluation, 'agreementAt10' | 'costFraction'>>
  >;
};

/** The frontier points of an evaluation result. */
export function evaluationPoints(
  result: Pick<EvaluationChartInput, 'shapes'>,
): Array<FrontierPoint & { details: Record<string, string> }> {
  return result.shapes.map((shape) => ({
    label: shape.shape,
    latencyMs: shape.latencyMs.p50,
    quality: shape.ndcgAt10,
    details: {
      'p95 ms': shape.latencyMs.p95.toFixed(1),
      'MRR@10': shape.mrrAt10.toFixed(4),
      'Recall@10': shape.recallAt10.toFixed(4),
      'pairs/query': shape.pairsPerQuery.toFixed(1),
      'agree@10': shape.agreementAt10?.toFixed(3) ?? '-',
      'cost/ref': shape.costFraction?.toFixed(3) ?? '-',
    },
  }));
}

/** Title and note of an evaluation's charts. */
function evaluationChartText(result: EvaluationChartInput): { title: string; note?: string } {
  return {
    title: `Quality vs latency, ${result.queries} ${result.split} queries, ${result.machine.cpuModel} (${result.machine.cores} cores)`,
    ...(result.modelsAreRandomWeights ? { note: randomWeightsNote } : {}),
  };
}

/**
 * The frontier chart (SVG) and page (HTML) of an evaluation, as the files they are saved as:
 * `<benchmark>-<stamp>.svg` / `.html`.
 */
export function evaluationCharts(result: EvaluationChartInput): {
  svg: ResultFile;
  html: ResultFile;
} {
  const points = evaluationPoints(result);
  const text = evaluationChartText(result);
  const svg = renderFrontierSvg(points, text);
  return {
    svg: { name: result.benchmark, extension: 'svg', content: svg },
    html: {
      name: result.benchmark,
      extension: 'html',
      content: renderFrontierHtml(points, { ...text, svg }),
    },
  };
}
