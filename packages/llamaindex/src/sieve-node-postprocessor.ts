import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { rankTexts, textRankerSchema } from '@sieve/cascade';
import { describeType, InvalidArgumentError, parseSettings } from '@sieve/core';
import { z } from 'zod';
import { component, queryText } from './query-text.js';
import type { SieveNodeWithScore } from './sieve-node-with-score.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

/**
 * Schema of {@link SieveNodePostprocessorSettings}, for tools that validate settings themselves.
 *
 * @example
 * ```ts
 * const ok = sieveNodePostprocessorSettingsSchema.safeParse({ ranker: reranker, topN: 3 }).success;
 * ```
 */
export const sieveNodePostprocessorSettingsSchema = z.strictObject({
  /**
   * What ranks the nodes: a `ScorerV1` (`createCrossEncoder` or `createRemoteScorer` of
   * `@sieve/rerank`) or a `Cascade` (`createCascade`), whose stages then rank the nodes in turn.
   */
  ranker: textRankerSchema,
  /**
   * Keep the best `topN` nodes (LlamaIndex's name for a reranker's cut, as in `CohereRerank`).
   * Unlike `CohereRerank` (2), the default cuts nothing the ranker keeps.
   * @default every node for a scorer; the cascade's own `topK` for a cascade
   */
  topN: z.number().int().positive().optional(),
  /**
   * Which of a node's metadata goes into the text the ranker reads, as
   * `node.getContent(metadataMode)`. `NONE` is the node's text alone, what cross-encoders are
   * trained on; `CohereRerank` uses `ALL` (every metadata key, file paths and dates included).
   * @default MetadataMode.NONE
   */
  metadataMode: z.enum(MetadataMode).default(MetadataMode.NONE),
});

/**
 * Settings of {@link createSieveNodePostprocessor}.
 *
 * @example
 * ```ts
 * const settings: SieveNodePostprocessorSettings = { ranker: reranker, topN: 3 };
 * ```
 */
export type SieveNodePostprocessorSettings = z.input<typeof sieveNodePostprocessorSettingsSchema>;

/**
 * A LlamaIndex node postprocessor that reranks with Sieve; make one with
 * {@link createSieveNodePostprocessor}.
 *
 * @example
 * ```ts
 * const ranked = await postprocessor.postprocessNodes(nodes, 'does aspirin help?');
 * ```
 */
export interface SieveNodePostprocessor extends BaseNodePostprocessor {
  /**
   * Ranks `nodes` against `query`, best first, cut to `topN`. No nodes give `[]` (before the
   * query is looked at, as `CohereRerank` does); a missing or empty query is an
   * `InvalidArgumentError`, as is an entry that is not a LlamaIndex node or whose `text` is not a
   * string (named `nodes[i]`). An empty text is ranked like any other.
   */
  postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<SieveNodeWithScore[]>;
}

/**
 * Creates a LlamaIndex node postprocessor (`BaseNodePostprocessor`) that reranks retrieved nodes
 * with a Sieve scorer or cascade, in place of `CohereRerank`: put it in a query engine's
 * `nodePostprocessors`. Order and scores are Sieve's own (`rankTexts`); each result is a new
 * {@link SieveNodeWithScore} around the caller's node, which is not changed. Settings are
 * validated once here (`InvalidConfigError`).
 *
 * @example
 * ```ts
 * const reranker = await createCrossEncoder({ model: 'Xenova/ms-marco-MiniLM-L-6-v2' });
 * const postprocessor = createSieveNodePostprocessor({ ranker: reranker, topN: 3 });
 * const engine = new RetrieverQueryEngine(retriever, undefined, [postprocessor]);
 * const nodes = await engine.retrieve('does aspirin prevent strokes?');
 * ```
 */
export function createSieveNodePostprocessor(
  settings: SieveNodePostprocessorSettings,
): SieveNodePostprocessor {
  const { ranker, topN, metadataMode } = parseSettings(
    sieveNodePostprocessorSettingsSchema,
    settings,
    { component },
  );
  return {
    async postprocessNodes(nodes, query) {
      if (!Array.isArray(nodes)) {
        throw new InvalidArgumentError({
          component,
          argument: 'nodes',
          message: `nodes must be an array of NodeWithScore, got ${describeType(nodes)}`,
        });
      }
      if (nodes.length === 0) return [];
      const text = queryText(query);
      const texts = nodes.map((entry, index) => nodeText(entry, index, metadataMode));
      const ranking = await rankTexts(ranker, {
        query: text,
        texts,
        ...(topN === undefined ? {} : { topK: topN }),
      });
      return ranking.map(({ index, score, scores }) => ({
        node: nodes[index]!.node,
        score,
        scores,
      }));
    },
  };
}

/** The text the ranker reads for `nodes[index]`; an `InvalidArgumentError` where there is none. */
function nodeText(entry: unknown, index: number, metadataMode: MetadataMode): string {
  const argument = `nodes[${index}]`;
  const node = isObject(entry) ? entry.node : undefined;
  if (!isObject(node) || typeof node.getContent !== 'function') {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} must be a NodeWithScore { node, score? } whose node is a LlamaIndex node (TextNode, Document), got ${isObject(entry) ? `node ${describeType(node)} without getContent()` : describeType(entry)}`,
    });
  }
  // getContent() formats `${this.text}`: a missing text would be ranked as the word "undefined".
  if ('text' in node && typeof node.text !== 'string') {
    throw new InvalidArgumentError({
      component,
      argument: `${argument}.node.text`,
      message: `${argument} (node '${String(node.id_)}') has no text: its text is ${describeType(node.text)}; give every node a string text (it may be empty)`,
    });
  }
  const content: unknown = node.getContent(metadataMode);
  if (typeof content !== 'string') {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} (node '${String(node.id_)}') has no text: getContent() returned ${describeType(content)}`,
    });
  }
  return content;
}
