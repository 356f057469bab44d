import { randomUUID } from 'node:crypto';
import { Errors, type ChatErrorModel } from '../errors/AcsErrorFactory';
import { isOperationName, type OperationName } from './operations';

export type FaultSpec =
  | {
      kind: 'status';
      operation?: OperationName | '*';
      /** Only calls on this thread (a thread id in the path); every call when absent. */
      threadId?: string;
      status: number;
      retryAfterSeconds?: number;
      rate?: number;
      count?: number;
    }
  | {
      kind: 'latency';
      operation?: OperationName | '*';
      threadId?: string;
      latencyMs: number;
      rate?: number;
      count?: number;
    }
  | { kind: 'invalidParticipant'; userIds: string[]; code?: string; message?: string };

export type FaultRule = FaultSpec & { id: string; remaining?: number };

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Validates an untrusted fault spec (admin API body or --fault JSON); throws a 400 naming the field. */
export function parseFaultSpec(v: unknown): FaultSpec {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw Errors.badRequest('A fault spec must be a JSON object.');
  const o = v as Record<string, unknown>;
  type Common = { operation?: OperationName | '*'; threadId?: string; rate?: number; count?: number };
  const common = (): Common => {
    const out: Common = {};
    if (o['operation'] !== undefined) {
      if (o['operation'] !== '*' && !isOperationName(o['operation'])) {
        throw Errors.invalidField('operation', "must be an operation name (e.g. 'SendChatMessage') or '*'");
      }
      out.operation = o['operation'];
    }
    if (o['threadId'] !== undefined) {
      if (typeof o['threadId'] !== 'string' || o['threadId'] === '') {
        throw Errors.invalidField('threadId', 'must be a non-empty thread id');
      }
      out.threadId = o['threadId'];
    }
    if (o['rate'] !== undefined) {
      const r = o['rate'];
      if (typeof r !== 'number' || !(r >= 0 && r <= 1))
        throw Errors.invalidField('rate', 'must be a number from 0 to 1');
      out.rate = r;
    }
    if (o['count'] !== undefined) {
      if (!isInt(o['count']) || o['count'] < 1) throw Errors.invalidField('count', 'must be a positive integer');
      out.count = o['count'];
    }
    return out;
  };
  switch (o['kind']) {
    case 'status': {
      const status = o['status'];
      if (!isInt(status) || status < 400 || status > 599) {
        throw Errors.invalidField('status', 'must be an integer HTTP status from 400 to 599');
      }
      const spec: FaultSpec = { kind: 'status', status, ...common() };
      if (o['retryAfterSeconds'] !== undefined) {
        const ra = o['retryAfterSeconds'];
        if (!isInt(ra) || ra < 0 || ra > 3600)
          throw Errors.invalidField('retryAfterSeconds', 'must be an integer from 0 to 3600');
        spec.retryAfterSeconds = ra;
      }
      return spec;
    }
    case 'latency': {
      const ms = o['latencyMs'];
      if (!isInt(ms) || ms < 0 || ms > 120_000)
        throw Errors.invalidField('latencyMs', 'must be an integer from 0 to 120000');
      return { kind: 'latency', latencyMs: ms, ...common() };
    }
    case 'invalidParticipant': {
      const ids = o['userIds'];
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string' && x !== '')) {
        throw Errors.invalidField('userIds', 'must be a non-empty array of user ids');
      }
      const spec: FaultSpec = { kind: 'invalidParticipant', userIds: ids as string[] };
      if (o['code'] !== undefined) {
        if (typeof o['code'] !== 'string') throw Errors.invalidField('code', 'must be a string');
        spec.code = o['code'];
      }
      if (o['message'] !== undefined) {
        if (typeof o['message'] !== 'string') throw Errors.invalidField('message', 'must be a string');
        spec.message = o['message'];
      }
      return spec;
    }
    default:
      throw Errors.invalidField('kind', "must be 'status', 'latency' or 'invalidParticipant'");
  }
}

/** Fault rules: injected statuses, latency and per-user add-participant failures. */
export class FaultManager {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): FaultRule {
    const rule: FaultRule = { ...spec, id: randomUUID() };
    if ('count' in spec && spec.count !== undefined) rule.remaining = spec.count;
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Rolls the rules for one call (on `threadId` when the call names a thread): sleeps for latency faults, throws the
   * first status fault that fires.
   */
  async apply(operation: OperationName, threadId?: string): Promise<void> {
    if (this.rules.length === 0) return;
    let latency = 0;
    let failure: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.kind === 'invalidParticipant') continue;
      if (rule.operation !== undefined && rule.operation !== '*' && rule.operation !== operation) continue;
      if (rule.threadId !== undefined && rule.threadId !== threadId) continue;
      if (rule.kind === 'status' && failure) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (rule.remaining !== undefined) {
        if (rule.remaining <= 0) continue;
        rule.remaining--;
      }
      if (rule.kind === 'latency') latency += rule.latencyMs;
      else failure = rule;
    }
    this.rules = this.rules.filter((r) => r.remaining === undefined || r.remaining > 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (failure && failure.kind === 'status') throw Errors.injected(failure.status, failure.retryAfterSeconds);
  }

  /** The per-participant error to report for this user, if a rule names it. */
  invalidParticipant(userId: string): ChatErrorModel | undefined {
    for (const rule of this.rules) {
      if (rule.kind === 'invalidParticipant' && rule.userIds.includes(userId)) {
        return {
          code: rule.code ?? 'Forbidden',
          message: rule.message ?? `The participant '${userId}' could not be added (fault injected by the emulator).`,
          target: userId,
        };
      }
    }
    return undefined;
  }
}
