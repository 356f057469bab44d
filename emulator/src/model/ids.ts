import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Communication-user prefixes the SDKs recognise (acs-rest-api.md §3.3). */
const USER_PREFIXES = ['8:acs:', '8:spool:', '8:dod-acs:', '8:gcch-acs:'];

export function isCommunicationUserId(id: string): boolean {
  return USER_PREFIXES.some((p) => id.startsWith(p) && id.length > p.length);
}

/**
 * `<prefix><resource-guid>_<id>`, the only shape the live service accepts for a communication user: anything else
 * with a user prefix (`8:acs:invalidUserId`) is rejected as a malformed identifier, not reported per participant.
 */
const WELL_FORMED_USER_ID =
  /^8:(?:acs|spool|dod-acs|gcch-acs):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[A-Za-z0-9-]+$/i;

export function isWellFormedCommunicationUserId(id: string): boolean {
  return WELL_FORMED_USER_ID.test(id);
}

/** The resource guid of a well-formed communication user id, lower-case; undefined for anything else. */
export function resourceOfUserId(id: string): string | undefined {
  return WELL_FORMED_USER_ID.exec(id)?.[1]?.toLowerCase();
}

/** `19:<anything>@thread.v2`: other thread ids are malformed (400), not unknown (404). */
export function isWellFormedThreadId(id: string): boolean {
  return /^19:[^@/\s]+@thread\.v2$/.test(id);
}

/** Message ids are ms-epoch numbers. */
export function isWellFormedMessageId(id: string): boolean {
  return /^\d{1,20}$/.test(id);
}

let lastTimePart = 0;
let counter = 0;

/** A time-ordered GUID like the service's `0000001b-e76c-cf3c-1985-0948220072ec`. */
function timeOrderedGuid(): string {
  const now = Date.now();
  if (now === lastTimePart) counter = (counter + 1) & 0xffff;
  else {
    lastTimePart = now;
    counter = 0;
  }
  const hex =
    now.toString(16).padStart(12, '0') + counter.toString(16).padStart(4, '0') + randomBytes(8).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newUserId(resourceId: string): string {
  return `8:acs:${resourceId}_${timeOrderedGuid()}`;
}

/** `19:<43 url-safe chars>@thread.v2` */
export function newThreadId(): string {
  return `19:${randomBytes(32).toString('base64url')}@thread.v2`;
}

export function newResourceId(): string {
  return randomUUID();
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hands out ms-epoch message ids that never repeat, even for many messages in one millisecond. */
export class MessageClock {
  private last = 0;

  next(): number {
    const now = Date.now();
    this.last = now > this.last ? now : this.last + 1;
    return this.last;
  }

  /** The last value handed out or observed (a snapshot stores it so ids keep increasing after a restart). */
  get value(): number {
    return this.last;
  }

  observe(value: number): void {
    if (value > this.last) this.last = value;
  }
}
