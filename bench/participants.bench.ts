/**
 * Bulk add at scale: 20 threads of 250 members (249 participants + the service user) created through the app's
 * HTTP API, once against a healthy ACS and once with 20% transient faults (429 with and without Retry-After, 503)
 * and 2% of users that ACS refuses, in the same run on the same `npm start` stack. Reports wall time, the ratio
 * faulted ÷ clean, ACS calls made ÷ the minimum needed (counted by the emulator), and participants lost or
 * duplicated (checked against what ACS lists).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startStack, type RunningStack } from '../localhost/stack/startStack';
import type { Bench, BenchResult } from './harness';
import { round } from './harness';

const THREADS = 20;
const PER_THREAD = 249;

interface Outcome {
  id: string;
  status: string;
}

class Emulator {
  readonly ca: Buffer;
  readonly key: string;
  constructor(readonly stack: RunningStack) {
    const emu = stack.emulator;
    if (!emu) throw new Error('the stack has no emulator');
    this.ca = readFileSync(emu.caCertPath);
    this.key = /accesskey=([^;]+)/i.exec(emu.connectionString)?.[1] ?? '';
  }

  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const { request } = await import('node:https');
    const url = new URL(path, this.stack.emulator?.endpoint);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, ca: this.ca, headers: { 'x-emulator-key': this.key, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text ? (JSON.parse(text) as unknown) : undefined));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async calls(): Promise<number> {
    const state = (await this.admin('GET', '/admin/state')) as { calls: Record<string, number> };
    return (state.calls['CreateChatThread'] ?? 0) + (state.calls['AddChatParticipants'] ?? 0);
  }
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

async function run(emu: Emulator, identity: CommunicationIdentityClient, faulted: boolean, retryAfter = true) {
  const users: string[] = [];
  await pool(Array.from({ length: THREADS * PER_THREAD }), 16, async () => {
    users.push((await identity.createUser()).communicationUserId);
  });
  const invalid = faulted ? users.filter((_, i) => i % 50 === 17) : [];
  if (faulted) {
    await emu.admin('POST', '/admin/faults', { kind: 'invalidParticipant', userIds: invalid });
    const specs = retryAfter
      ? [{ status: 429 }, { status: 429, retryAfterSeconds: 1 }, { status: 503 }]
      : [{ status: 429 }, { status: 503 }, { status: 503 }];
    for (const spec of specs) {
      // Three independent 7% rolls per call: about 20% of calls fail.
      await emu.admin('POST', '/admin/faults', { kind: 'status', operation: '*', rate: 0.07, ...spec });
    }
  }
  const callsBefore = await emu.calls();
  const base = emu.stack.functionsUrl;
  const threads: { threadId: string; ids: string[] }[] = [];
  const started = performance.now();
  await pool(
    Array.from({ length: THREADS }, (_, t) => t),
    THREADS,
    async (t) => {
      const ids = users.slice(t * PER_THREAD, (t + 1) * PER_THREAD);
      let res = await api(base, 'POST', '/api/threads', {
        topic: `bench ${t}`,
        participants: ids.map((id) => ({ id })),
      });
      // A 429/503 the app could not absorb is the caller's to retry: the same key makes that safe.
      for (let i = 0; res.status === 429 || res.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** i));
        res = await api(base, 'POST', '/api/threads', { topic: `bench ${t}`, participants: ids.map((id) => ({ id })) });
      }
      const answer = res.json as { threadId: string; jobId?: string; participants: Outcome[] };
      if (answer.jobId) {
        for (;;) {
          const job = (
            await api(
              base,
              'GET',
              `/api/threads/${encodeURIComponent(answer.threadId)}/participants/jobs/${answer.jobId}`,
            )
          ).json as { state: string };
          if (job.state === 'completed') break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      threads.push({ threadId: answer.threadId, ids });
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const calls = (await emu.calls()) - callsBefore;
  await emu.admin('DELETE', '/admin/faults');

  let lost = 0;
  let duplicated = 0;
  const refused = new Set(invalid);
  for (const { threadId, ids } of threads) {
    const member = ids.find((id) => !refused.has(id)) as string;
    const token = (await identity.getToken({ communicationUserId: member }, ['chat'])).token;
    const chat = new ChatClient(emu.stack.emulator?.endpoint ?? '', new AzureCommunicationTokenCredential(token), {
      tlsOptions: { ca: emu.ca },
    });
    const seen = new Map<string, number>();
    for await (const p of chat.getChatThreadClient(threadId).listParticipants()) {
      const id = (p.id as { communicationUserId: string }).communicationUserId;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const id of ids) if (!refused.has(id) && !seen.has(id)) lost++;
    for (const n of seen.values()) if (n > 1) duplicated += n - 1;
  }
  return { seconds, calls, lost, duplicated, minimumCalls: THREADS * 2 };
}

export const participantsBench: Bench = {
  name: 'participants',
  async run(): Promise<BenchResult[]> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-participants-'));
    const stack = await startStack({
      dataDir,
      ports: { blob: 0, queue: 0, table: 0, emulator: 0, functions: 0 },
      log: () => undefined,
    });
    try {
      const emu = new Emulator(stack);
      const identity = new CommunicationIdentityClient(stack.emulator?.connectionString ?? '', {
        tlsOptions: { ca: emu.ca },
      });
      await api(stack.functionsUrl, 'POST', '/api/threads', { topic: 'warm-up' });
      const clean = await run(emu, identity, false);
      const faulted = await run(emu, identity, true);
      const noRetryAfter = await run(emu, identity, true, false);
      const total = THREADS * PER_THREAD;
      return [
        {
          name: 'clean: wall time',
          value: round(clean.seconds),
          unit: 's',
          note: `${total} participants, ${THREADS} threads`,
        },
        {
          name: 'faulted: wall time',
          value: round(faulted.seconds),
          unit: 's',
          note: '20% transient faults, 2% invalid users',
        },
        { name: 'faulted ÷ clean', value: round(faulted.seconds / clean.seconds), unit: 'ratio', note: 'target ≤ 1.5' },
        {
          name: 'faulted without Retry-After ÷ clean',
          value: round(noRetryAfter.seconds / clean.seconds),
          unit: 'ratio',
          note: 'same 20% faults, none asking for a 1 s wait',
        },
        {
          name: 'clean: ACS calls ÷ minimum',
          value: round(clean.calls / clean.minimumCalls),
          unit: 'ratio',
          note: `${clean.calls} create/add calls; target ≤ 1.2`,
        },
        {
          name: 'faulted: ACS calls ÷ minimum',
          value: round(faulted.calls / faulted.minimumCalls),
          unit: 'ratio',
          note: `${faulted.calls} create/add calls`,
        },
        { name: 'lost participants', value: clean.lost + faulted.lost, unit: 'count', note: 'target 0' },
        {
          name: 'duplicated participants',
          value: clean.duplicated + faulted.duplicated,
          unit: 'count',
          note: 'target 0',
        },
      ];
    } finally {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
