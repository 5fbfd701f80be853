import { assertQuery, assertTopK } from '../assert-arguments.js';
import type {
  RetrievedCandidate,
  RetrieverV1,
  RetrieverV1CallOptions,
} from '../spec/retriever-v1.js';
import { sleep } from './mock-scorer-v1.js';

/** Settings of {@link MockRetrieverV1}. */
export interface MockRetrieverV1Settings {
  /** @default 'mock-retriever' */
  stageId?: string;
  /**
   * What to return: a fixed ranked list, or a function of the query. The mock sorts by
   * descending score (ties by id) and cuts to `topK`, as the spec requires.
   */
  results:
    | readonly RetrievedCandidate[]
    | ((query: string) => readonly RetrievedCandidate[] | Promise<readonly RetrievedCandidate[]>);
  /** Wait this long per call, in milliseconds (abortable). @default 0 */
  delayMs?: number;
}

/**
 * A {@link RetrieverV1} for tests, with a record of every call.
 *
 * @example
 * ```ts
 * const retriever = new MockRetrieverV1({ results: [{ id: 'a', score: 1 }] });
 * ```
 */
export class MockRetrieverV1 implements RetrieverV1 {
  readonly specificationVersion = 'v1' as const;
  readonly stageId: string;
  /** Every call received, in order. */
  readonly calls: RetrieverV1CallOptions[] = [];
  private readonly settings: MockRetrieverV1Settings;

  constructor(settings: MockRetrieverV1Settings) {
    this.settings = settings;
    this.stageId = settings.stageId ?? 'mock-retriever';
  }

  async doRetrieve(options: RetrieverV1CallOptions): Promise<readonly RetrievedCandidate[]> {
    this.calls.push(options);
    options.abortSignal?.throwIfAborted();
    assertQuery(options.query, 'mock-retriever');
    assertTopK(options.topK, 'mock-retriever');
    if (this.settings.delayMs) await sleep(this.settings.delayMs, options.abortSignal);
    const { results } = this.settings;
    const list = typeof results === 'function' ? await results(options.query) : results;
    return [...list]
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, options.topK);
  }
}
