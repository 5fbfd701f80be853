import { InvalidArgumentError } from '@sieve/core';
import { parsePositiveInteger } from '../support/positive-integer.js';

/**
 * Pruning applied to the final rerank stage: `prune=patience:B`, `prune=gap:G`, or
 * `prune=bounded` (a bound of the reranker's score over the previous stage's, fitted by the run on
 * another split's queries: `sieve eval --bound-split`).
 */
export type ShapePruning =
  | { policy: 'none' }
  | { policy: 'patience'; batches: number }
  | { policy: 'scoreGap'; gap: number }
  | { policy: 'bounded' };

/** The retrievers a shape may start from, as its retrieval key names them. */
export const shapeRetrievers = ['bm25', 'dense', 'hybrid'] as const;

/**
 * A shape's retriever: `bm25` (BM25 over title and text), `dense` (the bi-encoder's HNSW index)
 * or `hybrid` (the two fused by reciprocal rank fusion).
 */
export type ShapeRetriever = (typeof shapeRetrievers)[number];

/**
 * A cascade shape: the retriever and its depth, the TinyBERT prefilter's keep (none: no
 * prefilter), the MiniLM reranker (none: no reranker) with its pruning, and the final top-k.
 */
export interface CascadeShape {
  /** The shape as written, e.g. `bm25=100,tiny=30,minilm=10,prune=patience:2`. */
  id: string;
  /** The retriever the stages start from: the shape's one `bm25=N`, `dense=N` or `hybrid=N`. */
  retriever: ShapeRetriever;
  /** Candidates retrieved (the `N` of `bm25=N`, `dense=N` or `hybrid=N`). */
  retrievalTopK: number;
  /** Candidates the prefilter keeps; undefined = no prefilter. */
  prefilterKeep?: number;
  /** Whether MiniLM reranks what reaches it. */
  rerank: boolean;
  /** Final list length (the reranker's, else the prefilter's, else 10 or the retrieval depth). */
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
 * Parses `RETRIEVER=N[,tiny=K][,minilm=T][,prune=patience:B|gap:G|bounded]`, where the retrieval part is
 * exactly one of `bm25=N`, `dense=N` or `hybrid=N`; `minilm=T` sets the final top-k (default
 * 10). Without `tiny` there is no prefilter; without `minilm` there is no reranker and the last
 * stage's keep is the final top-k.
 *
 * Throws an InvalidArgumentError that names the part it cannot read.
 *
 * @example
 * ```ts
 * parseCascadeShape('bm25=100,tiny=30,minilm=10,prune=patience:2');
 * // { id: '...', retriever: 'bm25', retrievalTopK: 100, prefilterKeep: 30, rerank: true,
 * //   topK: 10, prune: { policy: 'patience', batches: 2 } }
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
  const known = new Set<string>([...shapeRetrievers, 'tiny', 'minilm', 'prune']);
  for (const key of fields.keys()) {
    if (!known.has(key)) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `unknown key '${key}' in shape '${id}'; known: ${[...known].join(', ')}`,
      });
    }
  }
  const named = shapeRetrievers.filter((key) => fields.has(key));
  if (named.length !== 1) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'shapes',
      message:
        named.length === 0
          ? `shape '${id}' needs bm25=N, dense=N or hybrid=N (the retriever and its depth)`
          : `shape '${id}' names ${named.length} retrievers (${named.join(', ')}); give exactly one of bm25=N, dense=N or hybrid=N`,
    });
  }
  const retriever = named[0]!;
  const retrievalTopK = positive(fields.get(retriever)!, retriever, id);
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
    else if (policy === 'bounded' && pruneText === 'bounded') prune = { policy };
    else {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'shapes',
        message: `prune must be patience:B, gap:G or bounded in shape '${id}', got '${pruneText}'`,
      });
    }
  }
  if (prefilterKeep !== undefined && prefilterKeep > retrievalTopK) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'shapes',
      message: `tiny=${prefilterKeep} keeps more than ${retriever}=${retrievalTopK} retrieves in '${id}'`,
    });
  }
  return {
    id,
    retriever,
    retrievalTopK,
    ...(prefilterKeep === undefined ? {} : { prefilterKeep }),
    rerank,
    topK,
    prune,
  };
}

/**
 * The default sweep of `sieve bench cascade`: the three retrievers alone, the prefilter alone, the
 * full rerank (`bm25=100,minilm=10`, the reference of the agreement and cost columns), then depth,
 * prefilter keep and pruning.
 */
export const defaultSweep = [
  'bm25=100',
  'dense=100',
  'hybrid=100',
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
