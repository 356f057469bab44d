/**
 * Scheduled messages bench, two parts against child processes on this machine:
 *
 * 1. Burst: 2,000 one-off schedules due at the same instant over 100 threads (20 per thread), sent by the real app
 *    in the local host with a 5 s dispatcher, the emulator enforcing the ACS rate limits (10 sends per 10 s and
 *    30 per minute per thread). Measured from the messages in the threads: time until all are sent, lateness
 *    (message time − due time) p50 / p99 / max, duplicates. Targets: p99 < 60 s, 0 duplicates.
 * 2. Reads per tick: one dispatcher tick over 200 due occurrences, with no other schedules stored and then with
 *    100,000 future schedules (rows in the schedules table and in the due-time index). Entities are counted on the
 *    wire, by a pipeline policy on the table client. Target: ratio ≤ 1.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { spawnAzurite, type RunningAzurite } from '../localhost/stack/azurite';
import { mapLimit } from '../src/concurrency';
import { Dispatcher } from '../src/schedules/dispatcher';
import { minuteBucket, tableDueIndex } from '../src/schedules/dueIndex';
import type { SendBatch } from '../src/schedules/occurrenceSender';
import { newScheduleId, threadKeyOf } from '../src/schedules/scheduleIds';
import type { JsonQueue } from '../src/storage/jsonQueue';
import { spawnEmulator, stopChild, type EmulatorChild } from './emulator-process';
import type { Bench, BenchResult } from './harness';
import { round } from './harness';

const REPO = join(__dirname, '..', '..');
const THREADS = 100;
const PER_THREAD = 20;
const TOTAL = THREADS * PER_THREAD;
const FUTURE = 100_000;
const DUE_FOR_READS = 200;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Host {
  child: ChildProcess;
  url: string;
  output: string[];
}

function startHost(env: NodeJS.ProcessEnv): Promise<Host> {
  const child = spawn(process.execPath, [join(REPO, 'dist', 'localhost', 'cli.js'), '--app-dir', REPO, '--port', '0'], {
    env: { ...process.env, LOCAL_FUNCTION_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${output.join('\n')}`)), 60_000);
    const onData = (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        output.push(line);
        const m = /Functions host listening on (http:\/\/\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: m[1], output });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`host exited with ${code}:\n${output.join('\n')}`)));
  });
}

function stopHost(host: Host): Promise<void> {
  host.child.removeAllListeners('exit');
  if (host.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => host.child.kill('SIGKILL'), 10_000);
    host.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    host.child.kill('SIGTERM');
  });
}

async function api(
  host: Host,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${host.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // Creating many threads quickly may meet the emulator's limits: wait and retry, as a client would.
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await sleep(1000 * Number(res.headers.get('retry-after') ?? '1'));
      continue;
    }
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }
}

/** Emulator admin calls (throttling, state) authenticated with its access key. */
function admin(emu: EmulatorChild, ca: Buffer, method: string, path: string, body?: object): Promise<unknown> {
  const key = /accesskey=([^;]+)/i.exec(emu.connectionString)?.[1] ?? '';
  const url = new URL(path, emu.endpoint);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: { 'x-emulator-key': key, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(text ? (JSON.parse(text) as unknown) : undefined);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function burst(azurite: RunningAzurite): Promise<BenchResult[]> {
  const emulator = await spawnEmulator();
  const ca = readFileSync(emulator.caCertPath);
  const host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    ACS_CONNECTION_STRING: emulator.connectionString,
    NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    SCHEDULE_DISPATCH_CRON: '*/5 * * * * *',
  });
  try {
    const identity = new CommunicationIdentityClient(emulator.connectionString, { tlsOptions: { ca } });
    const reader = await identity.createUserAndToken(['chat']);
    const chat = new ChatClient(emulator.endpoint, new AzureCommunicationTokenCredential(reader.token), {
      tlsOptions: { ca },
    });
    const threads: string[] = [];
    await mapLimit(
      Array.from({ length: THREADS }, (_, i) => i),
      4,
      async (i) => {
        const res = await api(host, 'POST', '/api/threads', {
          topic: `Bench ${i}`,
          participants: [{ id: reader.user.communicationUserId }],
        });
        if (res.status !== 201) throw new Error(`create thread: ${res.status} ${JSON.stringify(res.json)}`);
        threads.push((res.json as { threadId: string }).threadId);
      },
    );

    // All due at the start of a minute far enough ahead for the creates to finish first.
    const dueAt = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    const created = Date.now();
    const work = threads.flatMap((t) => Array.from({ length: PER_THREAD }, (_, j) => ({ t, j })));
    await mapLimit(work, 16, async ({ t, j }) => {
      const res = await api(host, 'POST', `/api/threads/${encodeURIComponent(t)}/schedules`, {
        content: `scheduled ${j}`,
        sendAt: new Date(dueAt).toISOString(),
      });
      if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${JSON.stringify(res.json)}`);
    });
    const createSeconds = (Date.now() - created) / 1000;
    if (Date.now() > dueAt - 5_000) throw new Error('the schedules were not all created before they fell due');
    await admin(emulator, ca, 'PUT', '/admin/throttling', { enabled: true });
    const baseline = ((await admin(emulator, ca, 'GET', '/admin/state')) as { messages: number }).messages;

    await sleep(dueAt - Date.now());
    let allSentAt = Number.NaN;
    const deadline = dueAt + 10 * 60_000;
    while (Date.now() < deadline) {
      const state = (await admin(emulator, ca, 'GET', '/admin/state')) as { messages: number };
      if (state.messages - baseline >= TOTAL) {
        allSentAt = Date.now();
        break;
      }
      await sleep(250);
    }
    await sleep(15_000); // both dispatcher and retries keep running: a late duplicate would appear now

    const lateness: number[] = [];
    const keys = new Map<string, number>();
    for (const t of threads) {
      for await (const m of chat.getChatThreadClient(t).listMessages({ maxPageSize: 200 })) {
        const occurrence = m.metadata?.['scheduleOccurrence'];
        const id = m.metadata?.['scheduleId'];
        if (!occurrence || !id) continue;
        lateness.push(m.createdOn.getTime() - Date.parse(occurrence));
        keys.set(`${id}|${occurrence}`, (keys.get(`${id}|${occurrence}`) ?? 0) + 1);
      }
    }
    lateness.sort((a, b) => a - b);
    const duplicates = [...keys.values()].reduce((n, c) => n + c - 1, 0);
    const sum = (re: RegExp) => host.output.reduce((n, line) => n + Number(re.exec(line)?.[1] ?? 0), 0);
    const deferrals = sum(/Scheduled sends in \S+: \d+ sent \(\d+ found already posted\), (\d+) deferred/);
    return [
      {
        name: 'schedules created (API)',
        value: TOTAL,
        unit: 'count',
        note: `${round(createSeconds, 1)} s, ${THREADS} threads`,
      },
      { name: 'messages sent', value: keys.size, unit: 'count', note: `expected ${TOTAL}` },
      {
        name: 'time until all sent',
        value: round((allSentAt - dueAt) / 1000, 1),
        unit: 's',
        note: 'after the due instant',
      },
      { name: 'lateness p50', value: round(percentile(lateness, 50) / 1000, 1), unit: 's' },
      { name: 'lateness p99', value: round(percentile(lateness, 99) / 1000, 1), unit: 's', note: 'target < 60 s' },
      { name: 'lateness max', value: round((lateness[lateness.length - 1] ?? Number.NaN) / 1000, 1), unit: 's' },
      { name: 'duplicates', value: duplicates, unit: 'count', note: 'target 0' },
      {
        name: 'sends deferred (pacing, 429)',
        value: deferrals,
        unit: 'count',
        note: 'ACS limits: 10/10 s, 30/min per thread',
      },
    ];
  } finally {
    await stopHost(host);
    await stopChild(emulator);
  }
}

/** A table client that counts the entities the service returns (query pages and single reads). */
function countingTable(azurite: RunningAzurite, name: string): { table: TableClient; reads: () => number } {
  let count = 0;
  const policy: PipelinePolicy = {
    name: 'countEntitiesRead',
    async sendRequest(req, next) {
      const res = await next(req);
      if (req.method === 'GET' && res.status === 200 && res.bodyAsText) {
        const body = JSON.parse(res.bodyAsText) as { value?: unknown[] };
        count += Array.isArray(body.value) ? body.value.length : 1;
      }
      return res;
    },
  };
  const table = TableClient.fromConnectionString(azurite.connectionString, name, {
    allowInsecureConnection: true,
    additionalPolicies: [{ policy, position: 'perCall' }],
  });
  return { table, reads: () => count };
}

async function submitAll(table: TableClient, rows: { partitionKey: string; rowKey: string }[]): Promise<void> {
  const groups = new Map<string, TransactionAction[]>();
  for (const row of rows) {
    const list = groups.get(row.partitionKey) ?? [];
    list.push(['upsert', row, 'Replace']);
    groups.set(row.partitionKey, list);
  }
  const chunks: TransactionAction[][] = [];
  for (const list of groups.values()) for (let i = 0; i < list.length; i += 100) chunks.push(list.slice(i, i + 100));
  await mapLimit(chunks, 8, (chunk) => table.submitTransaction(chunk));
}

/** 100,000 schedules due over the next ~70 days, as the app stores them (schedule rows and index rows). */
async function seedFuture(schedules: TableClient, index: TableClient, now: number): Promise<void> {
  const scheduleRows: { partitionKey: string; rowKey: string }[] = [];
  const indexRows: { partitionKey: string; rowKey: string }[] = [];
  for (let i = 0; i < FUTURE; i++) {
    const threadId = `19:bench${String(i % 1000).padStart(38, '0')}@thread.v2`;
    const scheduleId = newScheduleId(threadId, now + i);
    const dueAt = now + 3_600_000 + i * 60_000;
    scheduleRows.push({
      partitionKey: threadKeyOf(threadId),
      rowKey: scheduleId,
      ...{ threadId, state: 'active', content: 'a future message', type: 'text', kind: 'once' },
      ...{ sendAt: new Date(dueAt).toISOString(), nextRunAt: new Date(dueAt).toISOString(), messagesJson: '[]' },
    } as { partitionKey: string; rowKey: string });
    indexRows.push({
      partitionKey: minuteBucket(dueAt),
      rowKey: `${String(dueAt).padStart(15, '0')}_${scheduleId}`,
      ...{ scheduleId, threadId, dueAt, createdAt: now, claimedUntil: 0, dispatches: 0, deferrals: 0 },
    } as { partitionKey: string; rowKey: string });
  }
  await schedules.createTable();
  await index.createTable();
  await submitAll(schedules, scheduleRows);
  await submitAll(index, indexRows);
}

const discard: JsonQueue<SendBatch> = { send: () => Promise.resolve() };

/** One tick over DUE_FOR_READS due occurrences; entities read and duration. */
async function measureTick(azurite: RunningAzurite, tableName: string, now: number) {
  const counted = countingTable(azurite, tableName);
  const dueIndex = tableDueIndex(counted.table, () => now);
  for (let i = 0; i < DUE_FOR_READS; i++) {
    await dueIndex.put(`sch-0000000000-${String(i).padStart(15, '0')}`, `19:t${i % 10}@thread.v2`, now - 1_000 - i);
  }
  const before = counted.reads();
  const t0 = performance.now();
  const report = await new Dispatcher({ dueIndex, queue: discard, now: () => now }).tick();
  const ms = performance.now() - t0;
  return { reads: counted.reads() - before, ms, report };
}

async function readsPerTick(azurite: RunningAzurite): Promise<BenchResult[]> {
  const now = Date.now();
  const empty = await measureTick(azurite, 'benchdueempty', now);
  await seedFuture(
    TableClient.fromConnectionString(azurite.connectionString, 'benchschedules', { allowInsecureConnection: true }),
    TableClient.fromConnectionString(azurite.connectionString, 'benchduefull', { allowInsecureConnection: true }),
    now,
  );
  const full = await measureTick(azurite, 'benchduefull', now);
  if (empty.report.dispatched !== DUE_FOR_READS || full.report.dispatched !== DUE_FOR_READS) {
    throw new Error(`a tick did not dispatch the ${DUE_FOR_READS} due: ${JSON.stringify([empty.report, full.report])}`);
  }
  return [
    { name: 'entities read per tick, none stored', value: empty.reads, unit: 'count', note: `${DUE_FOR_READS} due` },
    { name: 'entities read per tick, 100k future', value: full.reads, unit: 'count', note: `${DUE_FOR_READS} due` },
    {
      name: 'reads ratio (100k future ÷ none)',
      value: round(full.reads / empty.reads, 3),
      unit: 'ratio',
      note: 'target ≤ 1.1',
    },
    { name: 'tick time, none stored', value: round(empty.ms, 0), unit: 'ms' },
    { name: 'tick time, 100k future', value: round(full.ms, 0), unit: 'ms', note: 'Azurite, in memory' },
  ];
}

export const schedulesBench: Bench = {
  name: 'schedules',
  async run(): Promise<BenchResult[]> {
    const azurite = await spawnAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      const results = await burst(azurite);
      return [...results, ...(await readsPerTick(azurite))];
    } finally {
      await azurite.stop();
    }
  },
};
