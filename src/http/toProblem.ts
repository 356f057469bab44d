/**
 * The one place where failures become HTTP answers: DomainErrors and AcsFailures map to 4xx problems with a
 * detail a person can act on. Anything else is a bug and is left to the host (500, logged, no details sent).
 */
import type { HttpResponseInit } from '@azure/functions';
import { AcsFailure } from '../acs/acsErrors';
import { DomainError } from '../domainErrors';
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
  return undefined;
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
