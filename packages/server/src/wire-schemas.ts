/**
 * The request bodies the server accepts, as zod schemas: the one source of truth for validation
 * and for `/openapi.json`. TEI and Cohere bodies are not strict (their own servers ignore fields
 * they do not know, and clients send extras); Sieve's own `/search` body is.
 */
import { z } from 'zod';

/** Sieve's extension on every scoring request: a latency budget. */
const deadlineMs = z
  .number()
  .positive()
  .max(600_000)
  .optional()
  .describe(
    'Latency budget in milliseconds (Sieve extension; also the X-Sieve-Deadline-Ms header). When it passes, the pairs scored so far are ranked first and the rest follow in input order without a score; the X-Sieve-Deadline-Exceeded: true header says so.',
  );

/** A query: a string with at least one non-blank character. */
const nonBlank = z.string().regex(/\S/, 'must not be empty');

/** `POST /rerank`, the shape of Hugging Face text-embeddings-inference. */
export const teiRerankRequestSchema = z.object({
  query: nonBlank.describe('The query; not empty.'),
  texts: z
    .array(z.string())
    .min(1, '`texts` cannot be empty: pass at least one text to rank')
    .describe('The texts to rank against the query; at least one (TEI answers 400 without).'),
  truncate: z
    .boolean()
    .optional()
    .describe(
      "Cut inputs over the model's token limit. false: an over-long input is refused (413). Default: the server's autoTruncate (true unless configured).",
    ),
  truncation_direction: z
    .enum(['Right', 'right'], {
      error:
        "only 'Right' is supported: Sieve keeps the start of a text (texts are cached cut to their first tokens)",
    })
    .optional()
    .describe("Which end is cut: only 'Right' (TEI's default; both casings)."),
  raw_scores: z
    .boolean()
    .optional()
    .describe(
      "true: raw logits. false: sigmoid of the logit. Absent: the server's scores setting (raw logits by default, unlike TEI, whose default is the sigmoid).",
    ),
  return_text: z.boolean().default(false).describe('Return each text with its score.'),
  deadlineMs,
});

/** A document of a Cohere rerank request: a string, or an object with a `text` field. */
const cohereDocument = z.union([
  z.string(),
  z.looseObject({ text: z.string().describe('The text that is ranked.') }),
]);

const cohereCommon = {
  model: z
    .string()
    .optional()
    .describe('Accepted and echoed nowhere: the server serves one model.'),
  query: nonBlank.describe('The query; not empty.'),
  top_n: z.number().int().positive().optional().describe('Return only the best top_n results.'),
  max_tokens_per_doc: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Cut each document to this many tokens (and always to the model's limit)."),
  deadlineMs,
};

/** `POST /v1/rerank`, Cohere's v1 shape. */
export const cohereV1RerankRequestSchema = z.object({
  ...cohereCommon,
  documents: z
    .array(cohereDocument)
    .min(1, 'must not be empty; pass at least one document to rank')
    .describe('Strings, or objects with a text field; at least one.'),
  return_documents: z.boolean().default(false).describe('Return each document with its result.'),
  rank_fields: z
    .array(
      z.literal('text', {
        error: "only 'text' is supported: objects are ranked by their text field",
      }),
    )
    .optional()
    .describe("Only ['text']: objects are ranked by their text field."),
  max_chunks_per_doc: z.number().int().positive().optional().describe('Accepted and ignored.'),
});

/** `POST /v2/rerank`, Cohere's v2 shape. */
export const cohereV2RerankRequestSchema = z.object({
  ...cohereCommon,
  documents: z
    .array(cohereDocument)
    .min(1, 'must not be empty; pass at least one document to rank')
    .describe('Strings (objects with a text field are accepted); at least one.'),
  return_documents: z
    .boolean()
    .default(false)
    .describe('Return each document with its result (v1 behaviour; v2 clients omit it).'),
});

/** `POST /search`: the configured cascade over the configured index. */
export const searchRequestSchema = z.strictObject({
  query: z.string().min(1).describe('The query.'),
  topK: z
    .number()
    .int()
    .positive()
    .max(1000)
    .optional()
    .describe("Results to return (default: the cascade's topK)."),
  retrievalTopK: z
    .number()
    .int()
    .positive()
    .max(10_000)
    .optional()
    .describe("Candidates each retriever returns (default: the cascade's depth)."),
  deadlineMs,
  includeText: z.boolean().default(false).describe("Return each document's text."),
});

/** One result of `POST /rerank`. */
export const teiRankSchema = z.object({
  index: z.number().int(),
  score: z.number().nullable().describe('null only for a text the deadline left unscored.'),
  text: z.string().optional(),
});

/** The response of `POST /v1/rerank` and `POST /v2/rerank`. */
export const cohereRerankResponseSchema = z.object({
  id: z.string(),
  results: z.array(
    z.object({
      index: z.number().int(),
      relevance_score: z.number().nullable(),
      document: z.object({ text: z.string() }).optional(),
    }),
  ),
  meta: z.object({
    api_version: z.object({ version: z.string() }),
    billed_units: z.object({ search_units: z.number() }),
    warnings: z.array(z.string()).optional(),
  }),
});

/** The error body of every route. */
export const errorBodySchema = z.object({
  error: z.string().describe('What was wrong and how to fix it (TEI reads this field).'),
  error_type: z
    .string()
    .describe('TEI error type: Validation, Empty, Overloaded, Backend, Unhealthy, NotFound.'),
  code: z.string().describe('Stable machine-readable code, e.g. validation, too_many_documents.'),
  message: z.string().describe('The same text as error (Cohere clients read this field).'),
  path: z.string().optional().describe('The request field at fault, e.g. texts.3.'),
});

/** The response of `POST /search`. */
export const searchResponseSchema = z.object({
  query: z.string(),
  results: z.array(
    z.object({
      rank: z.number().int(),
      id: z.string(),
      score: z.number(),
      stageId: z.string(),
      scores: z.record(z.string(), z.number()),
      title: z.string().optional(),
      text: z.string().optional(),
    }),
  ),
  reports: z.array(z.record(z.string(), z.unknown())),
  warnings: z.array(z.object({ type: z.string(), stageId: z.string(), message: z.string() })),
  deadlineExceeded: z.boolean(),
  totalMs: z.number(),
});

export type TeiRerankRequest = z.output<typeof teiRerankRequestSchema>;
export type CohereV1RerankRequest = z.output<typeof cohereV1RerankRequestSchema>;
export type CohereV2RerankRequest = z.output<typeof cohereV2RerankRequestSchema>;
export type SearchRequest = z.output<typeof searchRequestSchema>;
