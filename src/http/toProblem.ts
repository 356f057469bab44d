/**
 * The one place where failures become HTTP answers: DomainErrors and AcsFailures map to problems with a detail a
 * person can act on, in the words of the service that failed; a transient storage failure is a 503 "Storage
 * unavailable". Anything else (a bug, storage refusing the app) is a 500 saying nothing of the internals: the
 * caller logs the error (src/http/operation.ts).
 */
import type { HttpResponseInit } from '@azure/functions';
import { AcsFailure } from '../acs/acsErrors';
import { DomainError } from '../domainErrors';
import { storageFailureOf } from '../storage/storageErrors';
import { problemResponse } from './problem';

const DOMAIN_STATUS = {
  notFound: [404, 'Not found'],
  invalid: [400, 'Invalid request'],
  limit: [400, 'Over a limit'],
  conflict: [409, 'Conflict'],
  keyReused: [422, 'Idempotency key reused'],
  preconditionFailed: [412, 'Precondition failed'],
  preconditionRequired: [428, 'Precondition required'],
} as const;

export function toProblem(error: unknown): HttpResponseInit | undefined {
  if (error instanceof DomainError) {
    const [status, title] = DOMAIN_STATUS[error.kind];
    return problemResponse({
      status,
      title,
      detail: error.message,
      ...(error.field ? { errors: [{ ...error.field, message: error.message }] } : {}),
    });
  }
  if (error instanceof AcsFailure) return acsProblem(error);
  if (storageFailureOf(error)?.transient) {
    return problemResponse(
      { status: 503, title: 'Storage unavailable', detail: 'Azure Storage did not answer successfully; retry later.' },
      { 'retry-after': '2' },
    );
  }
  return undefined;
}

/** The answer to a failure toProblem has no words for; the invocation id finds the logged error. */
export function internalErrorProblem(invocationId: string): HttpResponseInit {
  return problemResponse({
    status: 500,
    title: 'Internal error',
    detail: `The request failed on the server's side; the error is logged under invocation ${invocationId}.`,
  });
}

function acsProblem(failure: AcsFailure): HttpResponseInit {
  const retryAfter =
    failure.retryAfterMs !== undefined
      ? { 'retry-after': String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000))) }
      : undefined;
  switch (failure.kind) {
    case 'notFound':
      return problemResponse({ status: 404, title: 'Not found', detail: `ACS does not know it: ${failure.message}` });
    case 'forbidden':
      return problemResponse({
        status: 403,
        title: 'Forbidden',
        detail: `The app's service user may not do this (is it a member of the thread?): ${failure.message}`,
      });
    case 'invalid':
      return problemResponse({ status: 400, title: 'Refused by ACS', detail: failure.message });
    case 'throttled':
      return problemResponse(
        { status: 429, title: 'Throttled by ACS', detail: 'ACS is throttling these calls; retry later.' },
        retryAfter ?? { 'retry-after': '1' },
      );
    case 'unauthorized':
      return problemResponse({
        status: 502,
        title: 'ACS refused the app',
        detail: "ACS refused the app's credentials: check ACS_CONNECTION_STRING or the managed identity's role.",
      });
    case 'transient':
      return problemResponse(
        {
          status: 503,
          title: 'ACS unavailable',
          detail: `ACS did not answer successfully; retry later. ${failure.message}`,
        },
        retryAfter ?? { 'retry-after': '2' },
      );
  }
}
