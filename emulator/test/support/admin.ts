import type { RawResponse } from './http';
import { rawRequest } from './http';

export interface AdminState {
  users: number;
  threads: number;
  messages: number;
  participants: number;
  faults: FaultRule[];
  throttling: boolean;
  eventDelivery: { delivered: number; failed: number; pending: number };
  /** Calls received per operation name since start or the last reset. */
  calls: Record<string, number>;
}

export type FaultSpec =
  | {
      kind: 'status';
      operation?: string;
      threadId?: string;
      status: number;
      retryAfterSeconds?: number;
      rate?: number;
      count?: number;
    }
  | { kind: 'latency'; operation?: string; threadId?: string; latencyMs: number; rate?: number; count?: number }
  | { kind: 'invalidParticipant'; userIds: string[]; code?: string; message?: string };

export type FaultRule = FaultSpec & { id: string; remaining?: number };

/** `GET /admin/webhooks` entry (contract: emulator README, Events). */
export interface WebhookStatus {
  name: string;
  url: string;
  schema: 'EventGridSchema' | 'CloudEventSchemaV1_0';
  chaos: number;
  maxDeliveryAttempts: number;
  eventTimeToLiveInMinutes: number;
  source: 'startup' | 'admin';
  validation: 'pending' | 'validated' | 'failed';
  validationError?: string;
  pending: number;
  retrying: number;
  delivered: number;
  duplicates: number;
  deadLettered: number;
  failedAttempts: number;
  dropped: number;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  lastOutcome?: string;
}

export interface DeadLetter {
  webhook: string;
  event: { id: string; eventType: string; data: Record<string, unknown> };
  deadLetterReason: string;
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode?: number;
  publishTime: string;
  lastDeliveryAttemptTime?: string;
}

interface AdminTarget {
  endpoint: string;
  accessKey: string;
  ca: Buffer;
}

/** Admin API client authenticated with `x-emulator-key` (contract: admin API). */
export class Admin {
  constructor(private readonly emu: AdminTarget) {}

  request(method: string, path: string, body?: object, key: string | null = this.emu.accessKey): Promise<RawResponse> {
    return rawRequest({
      method,
      url: path,
      base: this.emu.endpoint,
      ca: this.emu.ca,
      headers: key === null ? {} : { 'x-emulator-key': key },
      body,
    });
  }

  private async ok(res: RawResponse, expected: number, what: string): Promise<RawResponse> {
    if (res.status !== expected) throw new Error(`${what}: expected ${expected}, got ${res.status} ${res.text}`);
    return res;
  }

  async state(): Promise<AdminState> {
    const res = await this.ok(await this.request('GET', '/admin/state'), 200, 'GET /admin/state');
    return res.json as AdminState;
  }

  async reset(): Promise<void> {
    await this.ok(await this.request('POST', '/admin/reset'), 204, 'POST /admin/reset');
  }

  async addFault(spec: FaultSpec): Promise<FaultRule> {
    const res = await this.ok(await this.request('POST', '/admin/faults', spec), 201, 'POST /admin/faults');
    return res.json as FaultRule;
  }

  async faults(): Promise<FaultRule[]> {
    const res = await this.ok(await this.request('GET', '/admin/faults'), 200, 'GET /admin/faults');
    return (res.json as { value: FaultRule[] }).value;
  }

  async fault(id: string): Promise<FaultRule | undefined> {
    return (await this.faults()).find((f) => f.id === id);
  }

  async clearFaults(): Promise<void> {
    await this.ok(await this.request('DELETE', '/admin/faults'), 204, 'DELETE /admin/faults');
  }

  async webhooks(): Promise<WebhookStatus[]> {
    const res = await this.ok(await this.request('GET', '/admin/webhooks'), 200, 'GET /admin/webhooks');
    return (res.json as { value: WebhookStatus[] }).value;
  }

  async webhook(name: string): Promise<WebhookStatus | undefined> {
    return (await this.webhooks()).find((w) => w.name === name);
  }

  /** PUT /admin/webhooks/{name}; the raw answer (201, 200 or 400). */
  putWebhook(name: string, body: object): Promise<RawResponse> {
    return this.request('PUT', `/admin/webhooks/${encodeURIComponent(name)}`, body);
  }

  deleteWebhook(name: string): Promise<RawResponse> {
    return this.request('DELETE', `/admin/webhooks/${encodeURIComponent(name)}`);
  }

  async deadLetters(webhook?: string): Promise<DeadLetter[]> {
    const path = `/admin/events/deadletter${webhook === undefined ? '' : `?webhook=${encodeURIComponent(webhook)}`}`;
    const res = await this.ok(await this.request('GET', path), 200, `GET ${path}`);
    return (res.json as { value: DeadLetter[] }).value;
  }

  async setThrottling(enabled: boolean): Promise<void> {
    await this.ok(await this.request('PUT', '/admin/throttling', { enabled }), 204, 'PUT /admin/throttling');
  }
}
