import type { IncomingMessage, ServerResponse } from 'http';
import type { HostEndpoint } from '../http/hostEndpoint';
import { readBody } from '../http/requestBody';
import { sendEmpty, sendJson } from '../http/responses';

/** Runs a non-HTTP function by name now: false when there is no such function, 'http' for an HTTP one. */
export type RunNonHttp = (name: string, input: string) => boolean | 'http';

/**
 * `/admin/*`: `GET /admin/host/status` and `POST /admin/functions/{name}` with `{"input": "..."}`, which runs
 * any non-HTTP function now (202), as Core Tools does.
 */
export function adminEndpoint(runNonHttp: RunNonHttp): HostEndpoint {
  return {
    path: ['admin'],
    requiresKey: true,
    handle: (req, res, _url, segments) => handleAdmin(runNonHttp, req, res, segments),
  };
}

async function handleAdmin(runNonHttp: RunNonHttp, req: IncomingMessage, res: ServerResponse, segments: string[]) {
  const [, area, name, extra] = segments;
  if (area?.toLowerCase() === 'host' && name?.toLowerCase() === 'status' && extra === undefined) {
    sendJson(res, 200, { state: 'Running' });
    return;
  }
  // Errors are bare status codes, as the runtime's admin API answers them.
  if (area?.toLowerCase() !== 'functions' || name === undefined || extra !== undefined) {
    sendEmpty(res, 404);
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'Method Not Allowed' }, { allow: 'POST' });
    return;
  }
  const raw = (await readBody(req)).toString('utf8');
  let input = '';
  if (raw.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      sendEmpty(res, 400);
      return;
    }
    const value = (parsed as { input?: unknown } | null)?.input;
    if (value !== undefined && typeof value !== 'string') {
      sendEmpty(res, 400);
      return;
    }
    input = value ?? '';
  }
  const started = runNonHttp(name, input);
  if (started === 'http') {
    sendJson(res, 400, { error: 'Bad Request', message: `function "${name}" is HTTP-triggered; call its route` });
  } else if (!started) {
    sendEmpty(res, 404);
  } else {
    sendEmpty(res, 202);
  }
}
