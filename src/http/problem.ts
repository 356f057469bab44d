/** RFC 9457 problem details: every error response of the HTTP API goes through here. */
import type { HttpResponseInit } from '@azure/functions';

export interface FieldError {
  /** JSON path of the offending field, e.g. `participants[3].id`. */
  field: string;
  /** The rule it broke, e.g. `required`, `maxItems:200`. */
  rule: string;
  message: string;
}

export interface Problem {
  status: number;
  title: string;
  detail: string;
  type?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', ...problem }),
  };
}

export function validationProblem(errors: FieldError[]): HttpResponseInit {
  return problemResponse({
    status: 400,
    title: 'Invalid request',
    detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  });
}
