/**
 * Every wire error the emulator returns is built here, so status codes, codes and body shapes live in one place.
 *
 * Two body shapes exist on the wire:
 * - chat: the real service's PascalCase `{"CommunicationError":{"Code","Message","Target"?,"Details":[]}}`;
 * - identity and admin: the documented `{"error":{"code","message","target"?}}`.
 */
export type ErrorSurface = 'chat' | 'identity' | 'admin';

/** Errors are sent as `application/json` without a charset, as the live service sends them; success bodies carry one. */
export const ERROR_CONTENT_TYPE = 'application/json';

export class AcsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AcsError';
  }

  /** The JSON body for the given surface. */
  toBody(surface: ErrorSurface): unknown {
    if (surface === 'chat') {
      const inner: Record<string, unknown> = { Code: this.code, Message: this.message };
      if (this.target !== undefined) inner['Target'] = this.target;
      inner['Details'] = [];
      return { CommunicationError: inner };
    }
    const inner: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.target !== undefined) inner['target'] = this.target;
    return { error: inner };
  }
}

/** A per-participant error, reported inside `invalidParticipants` (ChatError, camelCase in the swagger). */
export interface ChatErrorModel {
  code: string;
  message: string;
  target?: string;
}

export const Errors = {
  // 400
  badRequest: (message: string, target?: string) => new AcsError(400, 'BadRequest', message, target),
  invalidField: (field: string, rule: string) => new AcsError(400, 'BadRequest', `Invalid '${field}': ${rule}`, field),
  missingField: (field: string) => new AcsError(400, 'BadRequest', `Missing required field '${field}'.`, field),
  malformedJson: (detail: string) => new AcsError(400, 'BadRequest', `The request body is not valid JSON: ${detail}`),
  missingApiVersion: () =>
    new AcsError(400, 'MissingApiVersionParameter', "The query parameter 'api-version' is required.", 'api-version'),
  invalidApiVersion: (value: string) =>
    new AcsError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${value}' is not a valid version (expected YYYY-MM-DD or YYYY-MM-DD-preview).`,
      'api-version',
    ),
  contentTooLarge: (limitBytes: number) =>
    new AcsError(400, 'BadRequest', `Message content exceeds the limit of ${limitBytes} bytes (28 KB).`, 'content'),
  tooManyParticipantsInRequest: (count: number, limit: number) =>
    new AcsError(
      400,
      'BadRequest',
      `Too many participants in one request: ${count} (limit is ${limit} per request).`,
      'participants',
    ),
  // The live service's wording for malformed ids (Android session records, api-version 2021-09-07).
  malformedIdentifier: (rawId: string) =>
    new AcsError(400, 'BadRequest', `Identifier format is invalid (${rawId}).`, 'communicationIdentifier'),
  malformedMessageId: (id: string) => new AcsError(400, 'BadRequest', `Value for MessageId (${id}) is not valid.`),
  malformedThreadId: (id: string) => new AcsError(400, 'BadRequest', `Value for ThreadId (${id}) is not valid.`),
  /** The identity service's answer to a missing or empty `scopes` (azure-sdk-assets identity recordings). */
  scopesRequired: (field: string) =>
    new AcsError(400, 'ValidationError', 'Invalid scopes - Scopes field is required.', field),
  teamsExchangeUnsupported: () =>
    new AcsError(
      400,
      'TeamsExchangeNotSupported',
      'Exchanging a Microsoft Entra (Teams) token is not supported by the offline emulator: it cannot validate Entra tokens.',
      'token',
    ),

  // 401
  missingAuth: () =>
    new AcsError(401, 'Unauthorized', "Missing 'Authorization' header.", 'Authorization', {
      'WWW-Authenticate': 'HMAC-SHA256, Bearer',
    }),
  hmacInvalid: (reason: string) => new AcsError(401, 'Unauthorized', `HMAC-SHA256 authentication failed: ${reason}`),
  entraNotSupported: () =>
    new AcsError(
      401,
      'Unauthorized',
      'Microsoft Entra (Bearer) tokens cannot be validated offline; sign identity requests with the access key (HMAC-SHA256, i.e. use the connection string).',
    ),
  tokenInvalid: (reason: string) =>
    new AcsError(401, 'InvalidAuthenticationToken', `The access token is invalid: ${reason}`),
  /** An identity id of another resource (the live service checks ownership before existence). */
  identityNotOwned: () => new AcsError(401, 'IdentityNotOwned', "Provided identity doesn't belong to the resource."),
  adminKeyInvalid: () =>
    new AcsError(
      401,
      'Unauthorized',
      "Admin API requires header 'x-emulator-key' with the access key, or an HMAC signature.",
    ),

  // 403
  forbidden: (message = "The initiator doesn't have the permission to perform the requested operation.") =>
    new AcsError(403, 'Forbidden', message),
  missingChatScope: () =>
    new AcsError(403, 'Forbidden', "The access token does not carry the 'chat' scope required for chat operations."),

  // 404
  notFound: (what: string) => new AcsError(404, 'NotFound', `${what} was not found.`),
  threadNotFound: () => new AcsError(404, 'NotFound', 'The specified thread id was not found.'),
  identityNotFound: (id: string) => new AcsError(404, 'IdentityNotFound', `Identity '${id}' was not found.`),
  routeNotFound: (method: string, path: string) => new AcsError(404, 'NotFound', `No such resource: ${method} ${path}`),

  // 405 / 409 / 413 / 415
  methodNotAllowed: (method: string, allowed: string[]) =>
    new AcsError(
      405,
      'MethodNotAllowed',
      `Method ${method} is not allowed here; allowed: ${allowed.join(', ')}.`,
      undefined,
      {
        Allow: allowed.join(', '),
      },
    ),
  idempotencyConflict: () =>
    new AcsError(
      409,
      'Conflict',
      "The 'repeatability-request-id' was already used with a different request body.",
      'repeatability-request-id',
    ),
  bodyTooLarge: (limitBytes: number) =>
    new AcsError(413, 'RequestEntityTooLarge', `The request body exceeds the limit of ${limitBytes} bytes.`),

  // 429 / 5xx
  throttled: (retryAfterSeconds: number | undefined, rule: string) =>
    new AcsError(
      429,
      'TooManyRequests',
      `Too many requests (${rule}).`,
      undefined,
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    ),
  injected: (status: number, retryAfterSeconds: number | undefined) =>
    new AcsError(
      status,
      injectedCode(status),
      `Fault injected by the emulator (status ${status}).`,
      undefined,
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    ),
  internal: () => new AcsError(500, 'InternalServerError', 'The emulator failed to process the request.'),
  persistenceFailed: () =>
    new AcsError(
      500,
      'InternalServerError',
      'The change could not be written to the state journal, so it is not durable (see the emulator log).',
    ),

  // Per-participant errors for invalidParticipants.
  participantUnknown: (rawId: string): ChatErrorModel => ({
    code: 'NotFound',
    message: `The participant '${rawId}' is not a known communication user of this resource.`,
    target: rawId,
  }),
  participantUnsupported: (rawId: string): ChatErrorModel => ({
    code: 'BadRequest',
    message: `The participant '${rawId}' is not an ACS communication user; the emulator only supports ACS users in threads.`,
    target: rawId,
  }),
  participantOverCapacity: (rawId: string, limit: number): ChatErrorModel => ({
    code: 'BadRequest',
    message: `Adding '${rawId}' would exceed the limit of ${limit} participants per thread.`,
    target: rawId,
  }),
} as const;

function injectedCode(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 408:
      return 'RequestTimeout';
    case 409:
      return 'Conflict';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalServerError';
    case 502:
      return 'BadGateway';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'GatewayTimeout';
    default:
      return status >= 500 ? 'ServerError' : 'ClientError';
  }
}
