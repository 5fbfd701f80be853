import type { QueryBundle, QueryType } from '@llamaindex/core/query-engine';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { type Metadata, TextNode } from '@llamaindex/core/schema';
import { type Cascade, cascadeSchema, type RankedCandidate } from '@sieve/cascade';
import { InvalidConfigError, parseSettings } from '@sieve/core';
import { z } from 'zod';
import { component, queryText } from './query-text.js';
import type { SieveNodeWithScore } from './sieve-node-with-score.js';

/**
 * Schema of {@link SieveRetrieverSettings}, for tools that validate settings themselves.
 *
 * @example
 * ```ts
 * const ok = sieveRetrieverSettingsSchema.safeParse({ cascade, topK: 5 }).success;
 * ```
 */
export const sieveRetrieverSettingsSchema = z.strictObject({
  /**
   * The cascade that retrieves and ranks: it needs retrievers, and a `documentStore` or
   * `getDocuments` so that each result carries the document its node is made from.
   */
  cascade: cascadeSchema,
  /** How many nodes a retrieval returns. @default the cascade's `topK` */
  topK: z.number().int().positive().optional(),
});

/**
 * Settings of {@link createSieveRetriever}.
 *
 * @example
 * ```ts
 * const settings: SieveRetrieverSettings = { cascade, topK: 5 };
 * ```
 */
export type SieveRetrieverSettings = z.input<typeof sieveRetrieverSettingsSchema>;

/**
 * A LlamaIndex retriever (`BaseRetriever`) whose retrieval is one Sieve cascade search. Its nodes
 * are new `TextNode`s: `id_` the document id, `text` the document's text, `metadata` the
 * document's metadata (copied) plus its `title` when it has one. Make one with
 * {@link createSieveRetriever}.
 *
 * @example
 * ```ts
 * const [best] = await retriever.retrieve({ query: 'does aspirin help?' });
 * console.log(best?.node.id_, best?.score, best?.scores);
 * ```
 */
export interface SieveRetriever extends BaseRetriever {
  /** Retrieves the best nodes for a query, best first, with Sieve's scores. */
  retrieve(params: QueryType): Promise<SieveNodeWithScore[]>;
}

/**
 * Creates a LlamaIndex retriever over a Sieve cascade: `retriever.retrieve({ query })` runs
 * `cascade.search` and returns {@link SieveNodeWithScore}s of `TextNode`s, best first, `score`
 * the last stage's score and `scores` every stage's. A cascade without a `documentStore` or
 * `getDocuments` has no texts to make nodes from: retrieval then throws `InvalidConfigError`.
 * Settings are validated once here.
 *
 * @example
 * ```ts
 * const cascade = createCascade({ retrievers: [bm25], documentStore: store, stages, topK: 5 });
 * const retriever = createSieveRetriever({ cascade });
 * const nodes = await retriever.retrieve({ query: 'does aspirin prevent strokes?' });
 * ```
 */
export function createSieveRetriever(settings: SieveRetrieverSettings): SieveRetriever {
  const { cascade, topK } = parseSettings(sieveRetrieverSettingsSchema, settings, { component });
  return new CascadeRetriever(cascade, topK);
}

/** The `BaseRetriever` subclass LlamaIndex requires (its `retrieve` dispatches events). */
class CascadeRetriever extends BaseRetriever implements SieveRetriever {
  constructor(
    private readonly cascade: Cascade,
    private readonly topK: number | undefined,
  ) {
    super();
  }

  override retrieve(params: QueryType): Promise<SieveNodeWithScore[]> {
    // BaseRetriever.retrieve returns the nodes _retrieve made (index nodes aside, which ours are not).
    return super.retrieve(params) as Promise<SieveNodeWithScore[]>;
  }

  async _retrieve(params: QueryBundle): Promise<SieveNodeWithScore[]> {
    const query = queryText(params?.query);
    const { candidates } = await this.cascade.search({
      query,
      ...(this.topK === undefined ? {} : { topK: this.topK }),
    });
    return candidates.map(toNode);
  }
}

function toNode(candidate: RankedCandidate): SieveNodeWithScore {
  const { document } = candidate;
  if (document === undefined) {
    throw new InvalidConfigError({
      component,
      issues: [
        {
          path: 'cascade',
          message: `the cascade returned '${candidate.id}' without its document, so there is no text to make a node of; create the cascade with a documentStore (createMemoryDocumentStore() of @sieve/retrieval) or getDocuments`,
        },
      ],
    });
  }
  // A copy: LlamaIndex code may change a node's metadata; the document store's stays as it is.
  const metadata: Metadata = {
    ...document.metadata,
    ...(document.title === undefined ? {} : { title: document.title }),
  };
  return {
    node: new TextNode({ id_: document.id, text: document.text, metadata }),
    score: candidate.score,
    scores: candidate.scores,
  };
}
