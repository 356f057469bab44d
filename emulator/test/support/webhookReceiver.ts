import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
  /** parsed JSON body (undefined when empty or not JSON) */
  body: unknown;
  /** the status the receiver answered */
  status: number;
}

/** An Event Grid event as delivered (Event Grid schema) or a CloudEvent, whichever the endpoint gets. */
export interface DeliveredEvent {
  id: string;
  eventType?: string;
  type?: string;
  subject: string;
  data: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ReceiverOptions {
  /**
   * How to answer the validation handshake: `answer` as a webhook should (default), `ignore` (200 without the
   * code / without the allowed-origin header), or a status to answer with.
   */
  handshake?: 'answer' | 'ignore' | number;
  /** The status for the n-th notification (0-based); default 200. */
  answer?: (n: number) => number;
}

export interface WebhookReceiver {
  url: string;
  /** handshakes (SubscriptionValidation POSTs and OPTIONS), in arrival order */
  handshakes: ReceivedRequest[];
  /** every notification attempt, answered with any status */
  attempts: ReceivedRequest[];
  /** events of the notifications answered 2xx, in arrival order */
  events(): DeliveredEvent[];
  /** stops listening (the endpoint is down) */
  down(): Promise<void>;
  /** listens again on the same port */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Answers the first `failures` notifications with `status`, then accepts. */
export function failFirst(failures: number, status = 500): (n: number) => number {
  return (n) => (n < failures ? status : 200);
}

const VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';

function eventsOf(req: ReceivedRequest): DeliveredEvent[] {
  const body = req.body;
  if (Array.isArray(body)) return body as DeliveredEvent[];
  return body === undefined ? [] : [body as DeliveredEvent];
}

/**
 * A webhook endpoint on a free port that records what the emulator sends and answers the Event Grid and
 * CloudEvents handshakes like the Functions host does.
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  const handshakes: ReceivedRequest[] = [];
  const attempts: ReceivedRequest[] = [];
  const mode = options.handshake ?? 'answer';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        body = undefined;
      }
      const record = (status: number, list: ReceivedRequest[]): void => {
        list.push({ method: req.method ?? '', headers: req.headers, body, status });
      };
      if (req.method === 'OPTIONS') {
        const origin = req.headers['webhook-request-origin'];
        if (typeof mode === 'number') {
          record(mode, handshakes);
          res.writeHead(mode).end();
          return;
        }
        record(200, handshakes);
        res.writeHead(200, mode === 'answer' && typeof origin === 'string' ? { 'WebHook-Allowed-Origin': origin } : {});
        res.end();
        return;
      }
      const first = Array.isArray(body) ? (body[0] as { eventType?: string; data?: { validationCode?: string } }) : {};
      if (req.headers['aeg-event-type'] === 'SubscriptionValidation' || first?.eventType === VALIDATION) {
        if (typeof mode === 'number') {
          record(mode, handshakes);
          res.writeHead(mode).end();
          return;
        }
        record(200, handshakes);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(mode === 'answer' ? JSON.stringify({ validationResponse: first?.data?.validationCode }) : '{}');
        return;
      }
      const status = options.answer?.(attempts.length) ?? 200;
      record(status, attempts);
      res.writeHead(status).end();
    });
  });
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  let listening = true;
  const down = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=bot&code=secret`,
    handshakes,
    attempts,
    events: () => attempts.filter((a) => a.status >= 200 && a.status < 300).flatMap(eventsOf),
    down,
    up: async () => {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: down,
  };
}

/** Polls until `condition` holds (generous default: the machine is slow and shared). */
export async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
