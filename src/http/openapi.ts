/**
 * The OpenAPI 3.1 document of the API, generated from the operation declarations (operation.ts): the same zod
 * schemas that validate requests describe them here, as JSON Schema 2020-12 (the dialect of OpenAPI 3.1).
 */
import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES, type OperationSpec } from './operation';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document holds operations of every shape
type AnyOperation = OperationSpec<any, any, any>;

type JsonSchema = Record<string, unknown>;

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
        required: ['field', 'rule', 'message'],
      },
    },
  },
  required: ['title', 'status', 'detail'],
};

/** Answers every operation can give besides its own (validation, keys, ACS or storage trouble, a bug). */
const COMMON_RESPONSES: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field and the rule it broke',
  401: 'Missing or wrong function key',
  429: 'ACS is throttling: retry after `Retry-After` seconds',
  500: 'Internal error: the problem names the invocation under which the error is logged',
  503: 'ACS or Azure Storage did not answer successfully (the title says which): retry later',
};

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json['$schema'];
  return json;
}

export function buildOpenApiDocument(
  operations: readonly AnyOperation[],
  info: { title: string; version: string; description?: string },
  routePrefix = 'api',
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = `/${[routePrefix, op.route].filter(Boolean).join('/')}`;
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[op.method.toLowerCase()] = toPathItemOperation(op);
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
  };
}

function toPathItemOperation(op: AnyOperation): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  for (const name of routeParameters(op.route)) {
    const shape = op.params?.shape as Record<string, z.ZodType> | undefined;
    const schema = shape?.[name];
    parameters.push({
      name,
      in: 'path',
      required: true,
      schema: schema ? toJsonSchema(schema) : { type: 'string' },
    });
  }
  if (op.query) {
    const shape = op.query.shape as Record<string, z.ZodType>;
    for (const [name, schema] of Object.entries(shape)) {
      parameters.push({
        name,
        in: 'query',
        required: !schema.safeParse(undefined).success,
        schema: toJsonSchema(schema),
      });
    }
  }
  for (const header of op.headers ?? []) {
    parameters.push({
      name: header.name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(op.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(spec.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(spec.schema
        ? { content: { [spec.contentType ?? 'application/json']: { schema: toJsonSchema(spec.schema, 'output') } } }
        : spec.contentType
          ? { content: { [spec.contentType]: {} } }
          : {}),
    };
  }
  const problem = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const common: Record<number, string> = { ...COMMON_RESPONSES };
  if (op.body) {
    common[413] = `Body over the limit of ${op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`;
    common[415] = 'Body not sent as application/json';
  }
  for (const [status, description] of Object.entries(common)) {
    if (op.authLevel === 'anonymous' && status === '401') continue;
    responses[status] ??= { description, ...problem };
  }
  return {
    operationId: op.name,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(op.body) } } } }
      : {}),
    responses,
    security: op.authLevel === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }],
  };
}

/** `{threadId}` names of a Functions route template, constraints and `?`/`*` markers dropped. */
export function routeParameters(route: string): string[] {
  return [...route.matchAll(/\{\*?([A-Za-z0-9_]+)[^}]*\}/g)].map((m) => m[1] as string);
}
