import { z } from 'zod';

/** The component name in this package's error messages. */
export const component = 'langchain';

/**
 * The metadata key of the score that ranked a document. `relevanceScore` is the key LangChain's
 * own rerankers (`CohereRerank`) write, so code that reads it works with Sieve unchanged.
 */
export const metadataKeySchema = z
  .string()
  .min(1, 'must be a non-empty metadata key')
  .refine((key) => key !== 'sieveScores', {
    message: "'sieveScores' holds every stage's score; choose another key",
  })
  .default('relevanceScore');

/** How many documents to return; a positive integer. */
export const topKSchema = z.number().int().positive().optional();
