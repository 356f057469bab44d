/**
 * An HTTP operation of the API, declared once: route, method, auth level, the zod schemas of its path, query and
 * body, and its responses. The same declaration registers the function (src/functions/*), validates every request
 * before the handler runs, and generates the OpenAPI document (openapi.ts), so the three cannot drift apart.
 */
import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { problemResponse, validationProblem } from './problem';
import { internalErrorProblem, toProblem } from './toProblem';
import { toFieldErrors } from './validation';

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface HeaderSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface OperationSpec<
  B extends z.ZodType | undefined = undefined,
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
> {
  /** The function's name and the OpenAPI operationId. */
  name: string;
  method: HttpMethod;
  /** Functions route template (without the `api/` prefix); `{name}` parameters are the OpenAPI path's too. */
  route: string;
  summary: string;
  description?: string;
  tags: string[];
  authLevel: 'anonymous' | 'function';
  params?: P;
  query?: Q;
  body?: B;
  /** Largest body accepted, in bytes (413 above). */
  maxBodyBytes?: number;
  headers?: HeaderSpec[];
  responses: Record<number, ResponseSpec>;
}

export type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ValidRequest<B, P, Q> {
  body: B;
  params: P;
  query: Q;
  request: HttpRequest;
}

export type OperationHandler<B, P, Q> = (
  input: ValidRequest<B, P, Q>,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/** Bodies larger than this are refused unless the operation says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export function defineOperation<
  B extends z.ZodType | undefined = undefined,
  P extends AnyObject | undefined = undefined,
  Q extends AnyObject | undefined = undefined,
>(spec: OperationSpec<B, P, Q>): OperationSpec<B, P, Q> {
  return spec;
}

/** What app.http needs from the declaration. */
export function httpTrigger(op: OperationSpec<z.ZodType | undefined, AnyObject | undefined, AnyObject | undefined>): {
  route: string;
  methods: HttpMethod[];
  authLevel: 'anonymous' | 'function';
} {
  return { route: op.route, methods: [op.method], authLevel: op.authLevel };
}

/**
 * Wraps an operation's handler: validates path, query, content type, size and body (400/413/415 problems naming
 * each bad field), then maps DomainErrors, AcsFailures and storage failures thrown by the handler to their problems;
 * anything else is logged and answered with a 500 problem that names only the invocation.
 */
export function handleOperation<
  B extends z.ZodType | undefined,
  P extends AnyObject | undefined,
  Q extends AnyObject | undefined,
>(op: OperationSpec<B, P, Q>, handler: OperationHandler<Infer<B>, Infer<P>, Infer<Q>>): HttpHandler {
  return async (request, context) => {
    const parsed = await parseRequest(op, request);
    if ('response' in parsed) return parsed.response;
    try {
      return await handler({ ...parsed.value, request }, context);
    } catch (error) {
      const problem = toProblem(error);
      if (problem) return problem;
      context.error(`${op.name} failed:`, error);
      return internalErrorProblem(context.invocationId);
    }
  };
}

async function parseRequest<
  B extends z.ZodType | undefined,
  P extends AnyObject | undefined,
  Q extends AnyObject | undefined,
>(
  op: OperationSpec<B, P, Q>,
  request: HttpRequest,
): Promise<{ value: { body: Infer<B>; params: Infer<P>; query: Infer<Q> } } | { response: HttpResponseInit }> {
  const errors = [];
  let params: unknown = undefined;
  if (op.params) {
    // Only the route's own parameters: with HTTP streams the runtime's binding data also carries the query
    // string's names in `request.params`.
    const routeParams = Object.fromEntries(
      Object.keys(op.params.shape).flatMap((name) =>
        request.params[name] === undefined ? [] : [[name, request.params[name]]],
      ),
    );
    const result = op.params.safeParse(routeParams);
    if (result.success) params = result.data;
    else errors.push(...toFieldErrors(result.error, routeParams, 'path'));
  }
  let query: unknown = undefined;
  if (op.query) {
    const raw = Object.fromEntries(request.query.entries());
    const result = op.query.safeParse(raw);
    if (result.success) query = result.data;
    else errors.push(...toFieldErrors(result.error, raw, 'query'));
  }
  let body: unknown = undefined;
  if (op.body) {
    const read = await readJsonBody(request, op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if ('response' in read) return read;
    const result = op.body.safeParse(read.json);
    if (result.success) body = result.data;
    else errors.push(...toFieldErrors(result.error, read.json));
  }
  if (errors.length > 0) return { response: validationProblem(errors) };
  return { value: { body: body as Infer<B>, params: params as Infer<P>, query: query as Infer<Q> } };
}

async function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
): Promise<{ json: unknown } | { response: HttpResponseInit }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return tooLarge(maxBytes);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) return tooLarge(maxBytes);
  // No body at all: the schema decides whether that is allowed (a "required" error names it otherwise).
  if (text.trim() === '') return { json: undefined };
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
    return {
      response: problemResponse({
        status: 415,
        title: 'Unsupported media type',
        detail: `The body must be JSON sent as application/json${contentType ? `, not ${contentType}` : ''}.`,
      }),
    };
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      response: validationProblem([
        { field: '(body)', rule: 'json', message: `is not valid JSON (${(error as Error).message})` },
      ]),
    };
  }
}

function tooLarge(maxBytes: number): { response: HttpResponseInit } {
  return {
    response: problemResponse({
      status: 413,
      title: 'Body too large',
      detail: `The body is over the limit of ${maxBytes} bytes.`,
      limit: maxBytes,
    }),
  };
}
