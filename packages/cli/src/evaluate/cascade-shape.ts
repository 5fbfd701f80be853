import { InvalidArgumentError } from '@sieve/core';
import { parsePositiveInteger } from '../support/positive-integer.js';

/** Pruning applied to the final rerank stage: `prune=patience:B` or `prune=gap:G`. */
export type ShapePruning =
  | { policy: 'none' }
  | { policy: 'patience'; batches: number }
  | { policy: 'scoreGap'; gap: number };

/**
 * A cascade shape: BM25 depth, the TinyBERT prefilter's keep (none: no prefilter), the MiniLM
 * reranker (none: no reranker) with its pruning, and the final top-k.
 */
export interface CascadeShape {
  /** The shape as written, e.g. `bm25=100,tiny=30,minilm=10,prune=patience:2`. */
  id: string;
  /** BM25 candidates retrieved (`bm25=N`). */
  retrievalTopK: number;
  /** Candidates the prefilter keeps; undefined = no prefilter. */
  prefilterKeep?: number;
  /** Whether MiniLM reranks what reaches it. */
  rerank: boolean;
  /** Final list length (the reranker's, else the prefilter's, else BM25's top-k). */
  topK: number;
  /** @default { policy: 'none' } */
  prune: ShapePruning;
}

const positive = (text: string, what: string, shape: string): number => {
  const value = parsePositiveInteger(text);
  if (value === undefined) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'shapes',
      message: `${what} must be a positive integer in '${shape}', got '${text}'`,
    });
  }
  return value;
};

/**
 * Parses `bm25=N[,tiny=K][,minilm=T][,prune=patience:B|gap:G]`; `minilm=T` sets the final top-k
 * (default 10). Without `tiny` there is no prefilter; without `minilm` there is no reranker and
 * the last stage's keep is the final top-k.
 *
 * Throws an InvalidArgumentError that names the part it cannot read.
 *
 * @example
 * ```ts
 * parseCascadeShape('bm25=100,tiny=30,minilm=10,prune=patience:2');
 * // { id: '...', retrievalTopK: 100, prefilterKeep: 30, rerank: true, topK: 10,
 * //   prune: { policy: 'patience', batches: 2 } }
 * ```
 */
export function parseCascadeShape(text: string): CascadeShape {
  const id = text.trim();
  const fields = new Map<string, string>();
  for (const part of id.split(',')) {
    const [key, value, ...rest] = part.split('=');
    if (!key || value === undefined || rest.length > 0 || fields.has(key.trim())) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `cannot read '${part}' in shape '${id}': write key=value pairs such as bm25=100,tiny=30,minilm=10,prune=patience:2`,
      });
    }
    fields.set(key.trim(), value.trim());
  }
  const known = new Set(['bm25', 'tiny', 'minilm', 'prune']);
  for (const key of fields.keys()) {
    if (!known.has(key)) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `unknown key '${key}' in shape '${id}'; known: ${[...known].join(', ')}`,
      });
    }
  }
  if (!fields.has('bm25')) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'shapes',
      message: `shape '${id}' needs bm25=N (retrieval depth)`,
    });
  }
  const retrievalTopK = positive(fields.get('bm25')!, 'bm25', id);
  const prefilterKeep = fields.has('tiny') ? positive(fields.get('tiny')!, 'tiny', id) : undefined;
  const rerank = fields.has('minilm');
  const topK = rerank
    ? positive(fields.get('minilm')!, 'minilm', id)
    : Math.min(10, prefilterKeep ?? retrievalTopK);
  let prune: ShapePruning = { policy: 'none' };
  const pruneText = fields.get('prune');
  if (pruneText !== undefined) {
    const [policy, parameter = ''] = pruneText.split(':');
    if (!rerank) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `prune applies to the minilm stage, which shape '${id}' does not have`,
      });
    }
    if (policy === 'patience') prune = { policy, batches: positive(parameter, 'patience', id) };
    else if (policy === 'gap' && Number(parameter) >= 0 && parameter !== '')
      prune = { policy: 'scoreGap', gap: Number(parameter) };
    else {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `prune must be patience:B or gap:G in shape '${id}', got '${pruneText}'`,
      });
    }
  }
  if (prefilterKeep !== undefined && prefilterKeep > retrievalTopK) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'shapes',
      message: `tiny=${prefilterKeep} keeps more than bm25=${retrievalTopK} retrieves in '${id}'`,
    });
  }
  return {
    id,
    retrievalTopK,
    ...(prefilterKeep === undefined ? {} : { prefilterKeep }),
    rerank,
    topK,
    prune,
  };
}

/** The default sweep of `sieve bench cascade`: depth, prefilter keep, pruning, rerank depth. */
export const defaultSweep = [
  'bm25=100',
  'bm25=100,tiny=30',
  'bm25=20,minilm=10',
  'bm25=50,minilm=10',
  'bm25=100,minilm=10',
  'bm25=100,tiny=20,minilm=10',
  'bm25=100,tiny=30,minilm=10',
  'bm25=100,tiny=30,minilm=10,prune=patience:2',
  'bm25=100,tiny=50,minilm=10',
  'bm25=200,tiny=30,minilm=10,prune=patience:2',
];

/** The shape `sieve eval` runs by default: the demo's cascade. */
export const defaultEvalShape = 'bm25=100,tiny=30,minilm=10,prune=patience:2';
