/**
 * Errors domain code throws when a request cannot be carried out as asked. They name the field and the rule so
 * the HTTP layer (src/http/toProblem.ts) can answer with a precise 4xx; domain code never sees HTTP types.
 */
export type DomainErrorKind =
  /** The thing asked for does not exist (404). */
  | 'notFound'
  /** Breaks a rule on a field (400). */
  | 'invalid'
  /** Over a documented limit (400 naming the limit). */
  | 'limit'
  /** The same request is already being carried out (409). */
  | 'conflict'
  /** Same idempotency key, different request (422). */
  | 'keyReused'
  /** The caller's ETag is stale (412). */
  | 'preconditionFailed'
  /** A conditional write came without its ETag (428). */
  | 'preconditionRequired';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** The offending field (JSON path) and the rule it broke, when there is one. */
    readonly field?: { field: string; rule: string },
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
