/** The inspector's data endpoints (same origin; the session cookie goes along). */
import type { Problem } from '../views';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? `HTTP ${status}`);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, (body ?? {}) as Partial<Problem>);
  return body as T;
}

export const API = '/inspector/api';

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(
    await fetch(path.startsWith('/') ? path : `${API}/${path}`, { headers: { accept: 'application/json' } }),
  );
}

export async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  return parse<T>(await fetch(`${API}/${path}`, init));
}

export function threadPath(threadId: string, rest = ''): string {
  return `threads/${encodeURIComponent(threadId)}${rest}`;
}

/** Runs `task` once for any number of requests made while it runs or waits, at most once per `minIntervalMs`. */
export class Coalesced {
  private running = false;
  private dirty = false;
  private timer: number | undefined;
  private last = 0;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly minIntervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  request(): void {
    this.dirty = true;
    this.kick();
  }

  private kick(): void {
    if (this.running || this.timer !== undefined || !this.dirty) return;
    const wait = Math.max(0, this.last + this.minIntervalMs - Date.now());
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, wait);
  }

  private async run(): Promise<void> {
    this.dirty = false;
    this.running = true;
    try {
      await this.task();
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
      this.last = Date.now();
      this.kick();
    }
  }
}
