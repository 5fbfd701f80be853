import type { MessageContent } from '@llamaindex/core/llms';
import { extractText } from '@llamaindex/core/utils';
import { assertQuery, describeType, InvalidArgumentError } from '@sieve/core';

/** The component named in this package's errors. */
export const component = 'llamaindex';

/**
 * The text of a LlamaIndex query, read as `CohereRerank` reads it (`extractText`): a string as
 * it is, a multi-modal message as its text parts joined by blank lines. No query, or one without
 * text, is an `InvalidArgumentError` (`CohereRerank` throws a plain `Error` for a missing query).
 */
export function queryText(query: MessageContent | undefined, argument = 'query'): string {
  if (typeof query !== 'string' && !Array.isArray(query)) {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `${argument} must be a string or a MessageContent array (LlamaIndex passes it as postprocessNodes(nodes, query)), got ${describeType(query)}`,
    });
  }
  return assertQuery(extractText(query), component, argument);
}
