import { assertDocuments, assertQuery } from '../assert-arguments.js';
import type {
  ScorerV1,
  ScorerV1CallOptions,
  ScorerV1Document,
  ScorerV1Result,
} from '../spec/scorer-v1.js';

/** Settings of {@link MockScorerV1}. */
export interface MockScorerV1Settings {
  /** @default 'mock-scorer' */
  stageId?: string;
  /** @default 'mock-model' */
  modelId?: string;
  /**
   * The score of one pair. Either a function, or a map from document id to score (missing ids
   * score 0).
   * @default counts query words that occur in the document text
   */
  score?:
    | ((query: string, document: ScorerV1Document) => number)
    | Readonly<Record<string, number>>;
  /** Wait this long per call before answering, in milliseconds (abortable). @default 0 */
  delayMs?: number;
  /** Report this many tokens per pair, when set. */
  tokensPerPair?: number;
  /** Overrides the whole result: to simulate a broken scorer (wrong length, NaN, throw). */
  override?: (options: ScorerV1CallOptions) => ScorerV1Result | Promise<ScorerV1Result>;
}

/**
 * A {@link ScorerV1} for tests: deterministic scores, optional delay, and a record of every call.
 *
 * @example
 * ```ts
 * const scorer = new MockScorerV1({ stageId: 'rerank', score: { a: 2, b: 1 } });
 * await scorer.doScore({ query: 'q', documents: [{ id: 'a', text: '' }] }); // { scores: [2] }
 * scorer.calls.length; // 1
 * ```
 */
export class MockScorerV1 implements ScorerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly stageId: string;
  readonly modelId: string;
  /** Every call received, in order. */
  readonly calls: ScorerV1CallOptions[] = [];
  /** True once `dispose()` ran. */
  disposed = false;
  private readonly settings: MockScorerV1Settings;

  constructor(settings: MockScorerV1Settings = {}) {
    this.settings = settings;
    this.stageId = settings.stageId ?? 'mock-scorer';
    this.modelId = settings.modelId ?? 'mock-model';
  }

  /** Total number of pairs scored over all calls. */
  get pairsScored(): number {
    return this.calls.reduce((sum, call) => sum + call.documents.length, 0);
  }

  async doScore(options: ScorerV1CallOptions): Promise<ScorerV1Result> {
    this.calls.push(options);
    options.abortSignal?.throwIfAborted();
    assertQuery(options.query, 'mock-scorer');
    assertDocuments(options.documents, 'mock-scorer');
    if (this.settings.delayMs) await sleep(this.settings.delayMs, options.abortSignal);
    if (this.settings.override) return this.settings.override(options);
    const score = this.settings.score ?? wordOverlap;
    const scores = options.documents.map((document) =>
      typeof score === 'function' ? score(options.query, document) : (score[document.id] ?? 0),
    );
    const tokensPerPair = this.settings.tokensPerPair;
    return tokensPerPair === undefined
      ? { scores }
      : { scores, tokenCounts: scores.map(() => tokensPerPair) };
  }

  dispose(): void {
    this.disposed = true;
  }
}

function wordOverlap(query: string, document: ScorerV1Document): number {
  const words = new Set(document.text.toLowerCase().split(/\W+/u));
  return query
    .toLowerCase()
    .split(/\W+/u)
    .filter((word) => word !== '' && words.has(word)).length;
}

/** Resolves after `milliseconds`, or rejects with the signal's reason when it aborts first. */
export function sleep(milliseconds: number, abortSignal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    abortSignal?.throwIfAborted();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortSignal?.reason);
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    abortSignal?.addEventListener('abort', onAbort, { once: true });
  });
}
