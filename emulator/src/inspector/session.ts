/**
 * Who may see the inspector. As in Jupyter, the start line's URL carries a token; opening it exchanges the token
 * for a session cookie (HttpOnly, Secure, SameSite=Strict) and redirects to the bare URL. The page, its assets and
 * its data endpoints need that cookie; the data endpoints also take the admin key (`x-emulator-key`), so scripts
 * can read them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** sessions kept at once; the oldest goes first */
const MAX_SESSIONS = 100;

export type Access = 'session' | 'key';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export class Sessions {
  readonly token: string;
  /** session id -> created at */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly accessKey: string,
    token?: string,
  ) {
    this.token = token ?? randomBytes(24).toString('hex');
  }

  /** Cookies are per host, not per port: name the cookie after the port, so two emulators do not collide. */
  cookieName(req: IncomingMessage): string {
    return `acs-inspector-${req.socket.localPort ?? 0}`;
  }

  isToken(value: string): boolean {
    return same(value, this.token);
  }

  /** A new session; returns its Set-Cookie header. */
  open(req: IncomingMessage): string {
    const id = randomBytes(24).toString('base64url');
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(id, Date.now());
    return `${this.cookieName(req)}=${id}; Path=/; HttpOnly; Secure; SameSite=Strict`;
  }

  hasSession(req: IncomingMessage): boolean {
    const id = cookies(req).get(this.cookieName(req));
    return id !== undefined && this.sessions.has(id);
  }

  /**
   * How the request is allowed in: a session cookie, or the admin key; undefined when neither. A wrong key counts
   * as none.
   */
  access(req: IncomingMessage): Access | undefined {
    if (this.hasSession(req)) return 'session';
    const key = req.headers['x-emulator-key'];
    if (typeof key === 'string' && same(key, this.accessKey)) return 'key';
    return undefined;
  }
}
