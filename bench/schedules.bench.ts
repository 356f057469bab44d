/**
 * Scheduled messages bench. The first three parts run the app on one `npm start` stack (Azurite, the ACS emulator
 * and the local Functions host, default settings: the dispatcher ticks every minute) with the emulator enforcing
 * the ACS rate limits once the threads and schedules exist (10 sends per 10 s and 30 per minute per thread); each
 * part has its own threads. Lateness is a message's `createdOn` minus its `scheduleOccurrence` metadata, read back
 * by a member listing the threads. ACS (and the emulator) give `createdOn` in whole seconds, so due times are
 * whole seconds too.
 *
 * 1. Spread: 500 one-off schedules in 50 threads, due at random whole seconds over 5 minutes starting shortly
 *    after they are all created. Lateness p50 / p99 / max, messages sent, duplicates (read 15 s after the last is
 *    posted). Targets: p99 ≤ 2 s, 0 duplicates.
 * 2. Burst: 2,000 one-off schedules due at the same whole second over 100 threads (20 per thread). Time until all
 *    are sent, lateness p50 / p99 / max, duplicates, sends deferred by the per-thread limits (from the host log).
 * 3. Bot: a thread member posts `/schedule in 10s hello-<i>`, 50 commands in 10 threads (5 each, 4 s apart, all
 *    threads at once); the time from just before the command is sent to the `createdOn` of the message the
 *    schedule posts. p50 and max. Target: p50 ≤ 12 s.
 * 4. Reads per tick (its own Azurite, the dispatcher called directly): one dispatcher tick over 200 due
 *    occurrences, with no other schedules stored and then with 100,000 future schedules (rows in the schedules
 *    table and in the due-time index). Entities are counted on the wire, by a pipeline policy on the table client.
 *    Target: ratio ≤ 1.1.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, type ChatThreadClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { spawnAzurite, type RunningAzurite } from '../localhost/stack/azurite';
import { startStack, type RunningStack } from '../localhost/stack/startStack';
import { mapLimit } from '../src/concurrency';
import { Dispatcher } from '../src/schedules/dispatcher';
import { minuteBucket, tableDueIndex } from '../src/schedules/dueIndex';
import type { SendBatch } from '../src/schedules/occurrenceSender';
import { newScheduleId, threadKeyOf } from '../src/schedules/scheduleIds';
import type { JsonQueue } from '../src/storage/jsonQueue';
import type { Bench, BenchResult } from './harness';
import { median, percentile, round } from './harness';

const SPREAD_THREADS = 50;
const SPREAD_TOTAL = 500;
const SPREAD_WINDOW_S = 300;
/** From the start of creation to the first possible due second: enough for all the creates. */
const SPREAD_LEAD_MS = 15_000;
const BURST_THREADS = 100;
const BURST_PER_THREAD = 20;
const BURST_TOTAL = BURST_THREADS * BURST_PER_THREAD;
const BOT_THREADS = 10;
const BOT_PER_THREAD = 5;
const BOT_GAP_MS = 4_000;
/** After everything expected is posted: a late duplicate would appear by then. */
const SETTLE_MS = 15_000;
const FUTURE = 100_000;
const DUE_FOR_READS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The app and emulator of a running stack, with a member of every thread the bench creates. */
interface Ctx {
  stack: RunningStack;
  ca: Buffer;
  key: string;
  endpoint: string;
  member: { id: string; chat: ChatClient };
  /** The host's output lines (only those the bench reads). */
  hostLines: string[];
  /** Throws if a child of the stack has exited. */
  alive(): void;
}

async function api(ctx: Ctx, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${ctx.stack.functionsUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // Meeting the emulator's limits: wait and retry, as a client would.
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await sleep(1000 * Number(res.headers.get('retry-after') ?? '1'));
      continue;
    }
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }
}

/** Emulator admin calls (throttling, state) authenticated with its access key. */
function admin(ctx: Ctx, method: string, path: string, body?: object): Promise<unknown> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, ctx.endpoint),
      {
        method,
        ca: ctx.ca,
        headers: { 'x-emulator-key': ctx.key, ...(payload ? { 'content-type': 'application/json' } : {}) },
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

const throttling = (ctx: Ctx, enabled: boolean) => admin(ctx, 'PUT', '/admin/throttling', { enabled });
const messageCount = async (ctx: Ctx) => ((await admin(ctx, 'GET', '/admin/state')) as { messages: number }).messages;

/** Threads created through the app, with the member in each. */
async function createThreads(ctx: Ctx, count: number, topic: string): Promise<string[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const res = await api(ctx, 'POST', '/api/threads', {
        topic: `${topic} ${i}`,
        participants: [{ id: ctx.member.id }],
      });
      if (res.status !== 201) throw new Error(`create thread: ${res.status} ${JSON.stringify(res.json)}`);
      return (res.json as { threadId: string }).threadId;
    },
  );
}

async function createSchedules(ctx: Ctx, work: readonly { threadId: string; content: string; dueAt: number }[]) {
  await mapLimit(work, 16, async ({ threadId, content, dueAt }) => {
    const res = await api(ctx, 'POST', `/api/threads/${encodeURIComponent(threadId)}/schedules`, {
      content,
      sendAt: new Date(dueAt).toISOString(),
    });
    if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${JSON.stringify(res.json)}`);
  });
}

/** Polls the emulator until `expected` messages more than `baseline` exist, or `deadline`; when that was, or NaN. */
async function waitForMessages(ctx: Ctx, baseline: number, expected: number, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    ctx.alive();
    if ((await messageCount(ctx)) - baseline >= expected) return Date.now();
    await sleep(250);
  }
  return Number.NaN;
}

interface SentMessages {
  /** createdOn − scheduleOccurrence, ms, one per message posted by a schedule */
  lateness: number[];
  /** distinct (schedule, occurrence) pairs posted */
  distinct: number;
  duplicates: number;
}

/** The scheduled messages in `threads`, as their member lists them. */
async function readBack(ctx: Ctx, threads: readonly string[]): Promise<SentMessages> {
  const lateness: number[] = [];
  const keys = new Map<string, number>();
  for (const t of threads) {
    for await (const m of ctx.member.chat.getChatThreadClient(t).listMessages({ maxPageSize: 200 })) {
      const occurrence = m.metadata?.['scheduleOccurrence'];
      const id = m.metadata?.['scheduleId'];
      if (!occurrence || !id) continue;
      lateness.push(m.createdOn.getTime() - Date.parse(occurrence));
      keys.set(`${id}|${occurrence}`, (keys.get(`${id}|${occurrence}`) ?? 0) + 1);
    }
  }
  const duplicates = [...keys.values()].reduce((n, c) => n + c - 1, 0);
  return { lateness, distinct: keys.size, duplicates };
}

/** Totals of the sender's log lines (`Scheduled sends in <thread>: N sent (R found already posted), D deferred, …`). */
function senderTotals(lines: readonly string[]) {
  const totals = { sent: 0, recovered: 0, deferred: 0, failed: 0, dropped: 0, duplicate: 0 };
  const re =
    /Scheduled sends in \S+: (\d+) sent \((\d+) found already posted\), (\d+) deferred, (\d+) failed, (\d+) dropped, (\d+) duplicate/;
  for (const line of lines) {
    const m = re.exec(line);
    if (!m) continue;
    totals.sent += Number(m[1]);
    totals.recovered += Number(m[2]);
    totals.deferred += Number(m[3]);
    totals.failed += Number(m[4]);
    totals.dropped += Number(m[5]);
    totals.duplicate += Number(m[6]);
  }
  return totals;
}

const seconds = (ms: number) => round(ms / 1000, 2);

function latenessRows(part: string, sent: SentMessages, p99Target?: string): BenchResult[] {
  const early = sent.lateness.filter((l) => l < 0).length;
  return [
    { name: `${part}: lateness p50`, value: seconds(median(sent.lateness)), unit: 's' },
    {
      name: `${part}: lateness p99`,
      value: seconds(percentile(sent.lateness, 99)),
      unit: 's',
      ...(p99Target ? { note: p99Target } : {}),
    },
    {
      name: `${part}: lateness max`,
      value: seconds(Math.max(...sent.lateness)),
      unit: 's',
      note: early > 0 ? `${early} sent before their due second` : 'none sent before its due second',
    },
  ];
}

async function spread(ctx: Ctx): Promise<BenchResult[]> {
  await throttling(ctx, false);
  const threads = await createThreads(ctx, SPREAD_THREADS, 'Spread');
  const started = Date.now();
  const windowStart = Math.ceil((started + SPREAD_LEAD_MS) / 1000) * 1000;
  const work = Array.from({ length: SPREAD_TOTAL }, (_, i) => ({
    threadId: threads[i % SPREAD_THREADS] as string,
    content: `spread ${i}`,
    dueAt: windowStart + Math.floor(Math.random() * SPREAD_WINDOW_S) * 1000,
  }));
  const firstDue = Math.min(...work.map((w) => w.dueAt));
  const lastDue = Math.max(...work.map((w) => w.dueAt));
  await createSchedules(ctx, work);
  const createdAt = Date.now();
  if (createdAt >= firstDue) throw new Error('spread: the schedules were not all created before the first fell due');
  await throttling(ctx, true);
  const baseline = await messageCount(ctx);
  const lines = ctx.hostLines.length;

  await waitForMessages(ctx, baseline, SPREAD_TOTAL, lastDue + 3 * 60_000);
  await sleep(SETTLE_MS);
  const sent = await readBack(ctx, threads);
  const totals = senderTotals(ctx.hostLines.slice(lines));
  return [
    {
      name: 'spread: schedules created (API)',
      value: SPREAD_TOTAL,
      unit: 'count',
      note:
        `${round((createdAt - started) / 1000, 1)} s, ${SPREAD_THREADS} threads; due at random whole seconds ` +
        `over ${SPREAD_WINDOW_S} s from ${round((windowStart - createdAt) / 1000, 1)} s after the last create`,
    },
    { name: 'spread: messages sent', value: sent.distinct, unit: 'count', note: `expected ${SPREAD_TOTAL}` },
    ...latenessRows('spread', sent, 'target ≤ 2 s; createdOn is in whole seconds, so are due times'),
    {
      name: 'spread: duplicates',
      value: sent.duplicates,
      unit: 'count',
      note: `target 0; read ${SETTLE_MS / 1000} s after the last was posted; sender logged ${totals.duplicate}`,
    },
  ];
}

async function burst(ctx: Ctx): Promise<BenchResult[]> {
  await throttling(ctx, false);
  const threads = await createThreads(ctx, BURST_THREADS, 'Burst');
  // All due at the start of a minute far enough ahead for the creates to finish first.
  const dueAt = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
  const started = Date.now();
  await createSchedules(
    ctx,
    threads.flatMap((threadId) =>
      Array.from({ length: BURST_PER_THREAD }, (_, j) => ({ threadId, content: `burst ${j}`, dueAt })),
    ),
  );
  const createdAt = Date.now();
  if (createdAt >= dueAt - 5_000) throw new Error('burst: the schedules were not all created before they fell due');
  await throttling(ctx, true);
  const baseline = await messageCount(ctx);
  const lines = ctx.hostLines.length;

  await sleep(dueAt - Date.now());
  const allSentAt = await waitForMessages(ctx, baseline, BURST_TOTAL, dueAt + 5 * 60_000);
  await sleep(SETTLE_MS);
  const sent = await readBack(ctx, threads);
  const totals = senderTotals(ctx.hostLines.slice(lines));
  return [
    {
      name: 'burst: schedules created (API)',
      value: BURST_TOTAL,
      unit: 'count',
      note: `${round((createdAt - started) / 1000, 1)} s, ${BURST_THREADS} threads; all due at one whole second`,
    },
    { name: 'burst: messages sent', value: sent.distinct, unit: 'count', note: `expected ${BURST_TOTAL}` },
    {
      name: 'burst: time until all sent',
      value: round((allSentAt - dueAt) / 1000, 1),
      unit: 's',
      note: 'after the due instant (polled)',
    },
    ...latenessRows('burst', sent, 'previously 22 s (5 s dispatcher)'),
    {
      name: 'burst: duplicates',
      value: sent.duplicates,
      unit: 'count',
      note: `target 0; sender logged ${totals.duplicate}`,
    },
    {
      name: 'burst: sends deferred',
      value: totals.deferred,
      unit: 'count',
      note: `from the sender's log; ACS limits 10/10 s, 30/min per thread; ${totals.recovered} found already posted`,
    },
  ];
}

/** The member's messages, polled until `done` says so or `deadline`. */
async function pollThread(
  ctx: Ctx,
  thread: ChatThreadClient,
  deadline: number,
  done: (messages: { id: string; content: string; createdOn: number; metadata: Record<string, string> }[]) => boolean,
): Promise<void> {
  while (Date.now() < deadline) {
    ctx.alive();
    const messages = [];
    for await (const m of thread.listMessages({ maxPageSize: 100 })) {
      messages.push({
        id: m.id,
        content: m.content?.message ?? '',
        createdOn: m.createdOn.getTime(),
        metadata: m.metadata ?? {},
      });
    }
    if (done(messages)) return;
    await sleep(2_000);
  }
}

async function bot(ctx: Ctx): Promise<BenchResult[]> {
  await throttling(ctx, false);
  const [warm, ...threads] = await createThreads(ctx, BOT_THREADS + 1, 'Bot');
  // A warm-up command first: the first one creates the bot's tables and queues.
  const warmThread = ctx.member.chat.getChatThreadClient(warm as string);
  const { id: warmId } = await warmThread.sendMessage({ content: '/help' });
  await pollThread(ctx, warmThread, Date.now() + 60_000, (ms) => ms.some((m) => m.metadata['replyTo'] === warmId));
  await throttling(ctx, true);

  interface Command {
    thread: number;
    started: number;
    id: string;
  }
  const commands: Command[] = [];
  const t0 = Date.now();
  await Promise.all(
    threads.map(async (threadId, ti) => {
      const thread = ctx.member.chat.getChatThreadClient(threadId);
      for (let j = 0; j < BOT_PER_THREAD; j++) {
        const i = ti * BOT_PER_THREAD + j;
        await sleep(t0 + j * BOT_GAP_MS + ti * 300 - Date.now());
        const started = Date.now();
        const { id } = await thread.sendMessage({ content: `/schedule in 10s hello-${i}` });
        commands[i] = { thread: ti, started, id };
      }
    }),
  );

  // Each command's reply names its schedule; the message that schedule posts is the one measured.
  const latencies: number[] = [];
  let mismatched = 0;
  let duplicates = 0;
  const deadline = Date.now() + 120_000;
  await Promise.all(
    threads.map((threadId, ti) =>
      pollThread(ctx, ctx.member.chat.getChatThreadClient(threadId), deadline, (messages) => {
        const mine = commands.map((c, i) => ({ ...c, i })).filter((c) => c.thread === ti);
        const found = mine.map((c) => {
          const reply = messages.find((m) => m.metadata['replyTo'] === c.id);
          const scheduleId = /^Scheduled (\S+) for /.exec(reply?.content ?? '')?.[1];
          const posted = messages.filter((m) => scheduleId && m.metadata['scheduleId'] === scheduleId);
          return { c, posted };
        });
        if (!found.every((f) => f.posted.length > 0)) return false;
        for (const { c, posted } of found) {
          const first = posted.reduce((a, b) => (b.createdOn < a.createdOn ? b : a));
          if (first.content !== `hello-${c.i}`) mismatched++;
          duplicates += posted.length - 1;
          latencies.push(first.createdOn - c.started);
        }
        return true;
      }),
    ),
  );
  if (mismatched > 0) throw new Error(`bot: ${mismatched} scheduled messages did not carry their command's text`);
  return [
    {
      name: 'bot: /schedule in 10s, command to message p50',
      value: seconds(median(latencies)),
      unit: 's',
      note: `target ≤ 12 s; ${BOT_THREADS} threads × ${BOT_PER_THREAD} commands ${BOT_GAP_MS / 1000} s apart`,
    },
    {
      name: 'bot: /schedule in 10s, command to message max',
      value: seconds(Math.max(...latencies)),
      unit: 's',
      note: 'from just before the command is sent to the createdOn of the message (whole seconds: up to 1 s short)',
    },
    {
      name: 'bot: scheduled messages posted',
      value: latencies.length,
      unit: 'count',
      note: `expected ${BOT_THREADS * BOT_PER_THREAD}; ${duplicates} duplicates`,
    },
  ];
}

async function onStack(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-schedules-'));
  const hostLines: string[] = [];
  let stack: RunningStack | undefined;
  try {
    stack = await startStack({
      dataDir,
      ports: { blob: 0, queue: 0, table: 0, emulator: 0, functions: 0 },
      // Only the sender's lines are read; the rest of the output is dropped.
      log: (line) => {
        if (line.includes('Scheduled sends in ')) hostLines.push(line);
      },
    });
    const emu = stack.emulator;
    if (!emu) throw new Error('the stack has no emulator');
    let crash: string | undefined;
    void stack.crashed.then((what) => (crash = what));
    const ca = readFileSync(emu.caCertPath);
    const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions: { ca } });
    const { user, token } = await identity.createUserAndToken(['chat']);
    const ctx: Ctx = {
      stack,
      ca,
      key: /accesskey=([^;]+)/i.exec(emu.connectionString)?.[1] ?? '',
      endpoint: emu.endpoint,
      member: {
        id: user.communicationUserId,
        chat: new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), { tlsOptions: { ca } }),
      },
      hostLines,
      alive: () => {
        if (crash) throw new Error(crash);
      },
    };
    return [...(await spread(ctx)), ...(await burst(ctx)), ...(await bot(ctx))];
  } finally {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
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
    const onTime = await onStack();
    const azurite = await spawnAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      return [...onTime, ...(await readsPerTick(azurite))];
    } finally {
      await azurite.stop();
    }
  },
};
