import { z } from 'zod';
import {
  cohereRerankResponseSchema,
  cohereV1RerankRequestSchema,
  cohereV2RerankRequestSchema,
  errorBodySchema,
  searchRequestSchema,
  searchResponseSchema,
  teiRankSchema,
  teiRerankRequestSchema,
} from './wire-schemas.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema of a request body (what it accepts, defaults optional). */
const input = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
/** JSON Schema of a response body. */
const output = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });

const errorResponses = (statuses: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(statuses).map(([status, description]) => [
      status,
      { description, ...json({ $ref: '#/components/schemas/Error' }) },
    ]),
  );

const rerankErrors = {
  '400': 'Malformed JSON, or (TEI) empty texts',
  '413':
    'Body over the size limit; (TEI) too many texts or an input over the token limit with truncate: false',
  '415': 'Content-Type is not application/json',
  '422': 'A field is invalid (path names it); (Cohere) too many or no documents',
  '429': 'The scoring queue is full; retry after Retry-After seconds',
  '503': 'Scoring failed (an inference worker crashed); retry',
};

/**
 * The OpenAPI 3.1 document of the server, generated from the zod schemas that validate the
 * requests, so the two cannot drift. Routes the server does not serve (no reranker, no cascade)
 * are left out.
 */
export function buildOpenApiDocument(options: { rerank: boolean; search: boolean }): JsonSchema {
  const paths: Record<string, unknown> = {};
  if (options.rerank) {
    paths['/rerank'] = {
      post: {
        summary: 'Rerank texts (Hugging Face text-embeddings-inference shape)',
        requestBody: { required: true, ...json(input(teiRerankRequestSchema)) },
        responses: {
          '200': {
            description: 'Texts ranked best first',
            ...json(output(z.array(teiRankSchema))),
          },
          ...errorResponses(rerankErrors),
        },
      },
    };
    for (const [version, schema] of [
      ['v1', cohereV1RerankRequestSchema],
      ['v2', cohereV2RerankRequestSchema],
    ] as const) {
      paths[`/${version}/rerank`] = {
        post: {
          summary: `Rerank documents (Cohere ${version} shape)`,
          requestBody: { required: true, ...json(input(schema)) },
          responses: {
            '200': {
              description: 'Results ranked best first',
              ...json(output(cohereRerankResponseSchema)),
            },
            ...errorResponses(rerankErrors),
          },
        },
      };
    }
  }
  if (options.search) {
    paths['/search'] = {
      post: {
        summary: 'Run the configured cascade over the configured index',
        requestBody: { required: true, ...json(input(searchRequestSchema)) },
        responses: {
          '200': {
            description: 'Ranked documents with every stage score and report',
            ...json(output(searchResponseSchema)),
          },
          ...errorResponses({
            '400': 'Malformed JSON',
            '415': 'Content-Type is not application/json',
            '422': 'A field is invalid (path names it)',
            '503': 'Scoring failed; retry',
          }),
        },
      },
    };
  }
  const plain = (summary: string, type = 'application/json') => ({
    get: { summary, responses: { '200': { description: summary, content: { [type]: {} } } } },
  });
  paths['/health'] = plain('Liveness: the process answers');
  paths['/ready'] = plain('Readiness: models loaded and warmed up (503 until then)');
  paths['/metrics'] = plain('Prometheus metrics', 'text/plain');
  paths['/info'] = plain('Models, dtype, execution provider, limits, versions');
  paths['/openapi.json'] = plain('This document');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sieve server',
      version: '1',
      description:
        'Rerank (TEI and Cohere shapes) and cascade search. Errors share one body: { error, error_type, code, message, path? }.',
    },
    paths,
    components: { schemas: { Error: output(errorBodySchema) } },
  };
}
