import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Communication-user prefixes the SDKs recognise (acs-rest-api.md §3.3). */
const USER_PREFIXES = ['8:acs:', '8:spool:', '8:dod-acs:', '8:gcch-acs:'];

export function isCommunicationUserId(id: string): boolean {
  return USER_PREFIXES.some((p) => id.startsWith(p) && id.length > p.length);
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
