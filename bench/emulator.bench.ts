/**
 * ACS emulator bench. In one run, against child processes on this machine:
 *  1. sendMessage throughput through the JS chat SDK at concurrency 32;
 *  2. listMessages, pages of 200 over a 10,000-message thread, at concurrency 32 (pages/s and items/s);
 *  3. the same SDK calls (same request shape and payload) against a do-nothing HTTPS server with the same certificate
 *     that answers the same fixed bodies;
 *  4. emulator ÷ do-nothing for each (target ≥ 0.5);
 *  5. RSS of the emulator holding 100,000 messages in one thread (target < 300 MB);
 *  6. sendMessage with --location (durable: fsynced before each 201) against in-memory, interleaved, and
 *  7. the restart that replays a 20,000-message journal;
 *  8. the restart of a journal full of dead history before and after the start-up compaction rewrote it.
 * Rounds alternate emulator and do-nothing server so machine noise hits both alike; medians are reported.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatThreadClient } from '@azure/communication-chat';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import type { Child, EmulatorChild } from './emulator-process';
import { rssMb, spawnEmulator, spawnNode, stopChild } from './emulator-process';
import { COMPACTION_MESSAGES, measureCompaction } from './emulator-compaction';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';

export const CONCURRENCY = 32;
export const SENDS_PER_ROUND = 3000;
const LIST_THREAD_SIZE = 10_000;
export const PAGE = 200;
export const PAGES_PER_WORKER = 25; // half a listing each: 800 pages (160,000 items) per round
const ROUNDS = 3;
const RSS_MESSAGES = 100_000;
export const CONTENT = 'x'.repeat(100); // same payload against both servers
const NULL_SERVER = join(__dirname, 'emulator-null-server.js');

export async function pool(total: number, concurrency: number, fn: () => Promise<unknown>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        await fn();
      }
    }),
  );
}

export async function timeSends(thread: ChatThreadClient): Promise<number> {
  const t0 = performance.now();
  await pool(SENDS_PER_ROUND, CONCURRENCY, () => thread.sendMessage({ content: CONTENT }));
  return SENDS_PER_ROUND / ((performance.now() - t0) / 1000);
}

export async function timeListing(thread: ChatThreadClient): Promise<{ pagesPerSec: number; itemsPerSec: number }> {
  let pages = 0;
  let items = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      let n = 0;
      for await (const page of thread.listMessages({ maxPageSize: PAGE }).byPage()) {
        pages++;
        items += page.length;
        if (++n === PAGES_PER_WORKER) break;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { pagesPerSec: pages / s, itemsPerSec: items / s };
}

/** Raw keep-alive POSTs: fills big threads faster than the SDK so the RSS figure does not dominate the run time. */
export function rawSender(endpoint: string, ca: Buffer, token: string, threadId: string): () => Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
  const url = new URL(`/chat/threads/${encodeURIComponent(threadId)}/messages?api-version=2025-03-15`, endpoint);
  const body = JSON.stringify({ content: CONTENT });
  return () =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`send: ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

function getText(url: string, ca: Buffer, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

const DURABLE_MESSAGES = 20_000;

/** A fresh emulator child with one user and one warmed thread, ready for timeSends. */
async function sendTarget(
  args: string[],
  ca: Buffer,
): Promise<{ emu: EmulatorChild; thread: ChatThreadClient; token: string }> {
  const emu = await spawnEmulator(args);
  const tlsOptions = { ca };
  const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions });
  const { token } = await identity.createUserAndToken(['chat']);
  const chat = new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), { tlsOptions });
  const threadId = (await chat.createChatThread({ topic: 'send bench' })).chatThread?.id ?? '';
  const thread = chat.getChatThreadClient(threadId);
  await pool(300, CONCURRENCY, () => thread.sendMessage({ content: CONTENT }));
  return { emu, thread, token };
}

/**
 * Durable (--location, fsync before each 201) against in-memory sends, rounds interleaved on two fresh emulators so
 * the ratio is fair; then the restart that replays the durable journal.
 */
async function measureDurable(
  dir: string,
  certPath: string,
  keyPath: string,
  ca: Buffer,
): Promise<{ durablePerSec: number; memoryPerSec: number; restartMs: number; journalMb: number }> {
  const location = join(dir, 'state');
  const tls = ['--cert', certPath, '--key', keyPath];
  const durable = await sendTarget([...tls, '--location', location], ca);
  const memory = await sendTarget(tls, ca).catch(async (err: unknown) => {
    await stopChild(durable.emu);
    throw err;
  });
  const durableRounds: number[] = [];
  const memoryRounds: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      durableRounds.push(await timeSends(durable.thread));
      memoryRounds.push(await timeSends(memory.thread));
    }
    await stopChild(memory.emu);
    const sent = 300 + ROUNDS * SENDS_PER_ROUND;
    const threadId = durable.thread.threadId;
    await pool(DURABLE_MESSAGES - sent, CONCURRENCY, rawSender(durable.emu.endpoint, ca, durable.token, threadId));
  } finally {
    await Promise.all([stopChild(durable.emu), stopChild(memory.emu)]);
  }
  const journalMb = readdirSync(location)
    .filter((f) => f.endsWith('.jsonl'))
    .reduce((sum, f) => sum + statSync(join(location, f)).size / 2 ** 20, 0);
  const t0 = performance.now();
  const again = await spawnEmulator([...tls, '--location', location]);
  const restartMs = performance.now() - t0;
  await stopChild(again);
  return { durablePerSec: median(durableRounds), memoryPerSec: median(memoryRounds), restartMs, journalMb };
}

export const emulatorBench: Bench = {
  name: 'emulator',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'acs-emulator-bench-'));
    const children: Child[] = [];
    try {
      // One certificate for both servers: the emulator writes cert.pem + key.pem into --location (README), so a
      // short first run makes the pair that the measured emulator and the do-nothing server then both serve.
      const tlsDir = join(dir, 'tls');
      await stopChild(await spawnEmulator(['--location', tlsDir]));
      const certPath = join(tlsDir, 'cert.pem');
      const keyPath = join(tlsDir, 'key.pem');
      const ca = readFileSync(certPath);
      const tlsOptions = { ca };

      const emu: EmulatorChild = await spawnEmulator(['--cert', certPath, '--key', keyPath]);
      children.push(emu);
      const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions });
      const { token } = await identity.createUserAndToken(['chat']);
      const chatOptions = { tlsOptions };
      const emuChat = new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), chatOptions);
      const threadId = (await emuChat.createChatThread({ topic: 'bench' })).chatThread?.id ?? '';
      const emuThread = emuChat.getChatThreadClient(threadId);

      // Warm both ends (JIT, TLS sessions) before measuring.
      await pool(500, CONCURRENCY, () => emuThread.sendMessage({ content: CONTENT }));
      const pageFile = join(dir, 'page.json');
      const firstPage = await getText(
        `${emu.endpoint}chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=${PAGE}&api-version=2025-03-15`,
        ca,
        token,
      );
      writeFileSync(pageFile, firstPage); // replaced by a full page once the thread is big
      const nullServer = await spawnNode(NULL_SERVER, [certPath, keyPath, pageFile], (l) => l.length > 0);
      children.push(nullServer);
      const nullPort = Number(nullServer.lines[0]?.split(' ')[1]);
      const nullEndpoint = `https://127.0.0.1:${nullPort}/`;
      const nullThread = new ChatClient(
        nullEndpoint,
        new AzureCommunicationTokenCredential(token),
        chatOptions,
      ).getChatThreadClient(threadId);
      await pool(500, CONCURRENCY, () => nullThread.sendMessage({ content: CONTENT }));

      // (1) + (3): sends, alternating servers.
      const emuSend: number[] = [];
      const nullSend: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        emuSend.push(await timeSends(emuThread));
        nullSend.push(await timeSends(nullThread));
      }

      // Grow the thread to 10,000 user messages, then capture a real full page for the do-nothing server.
      const sent = 500 + ROUNDS * SENDS_PER_ROUND;
      const send = rawSender(emu.endpoint, ca, token, threadId);
      await pool(LIST_THREAD_SIZE - sent, CONCURRENCY, send);
      writeFileSync(
        pageFile,
        await getText(
          `${emu.endpoint}chat/threads/${encodeURIComponent(threadId)}/messages?maxPageSize=${PAGE}&api-version=2025-03-15`,
          ca,
          token,
        ),
      );
      // restart the do-nothing server so it serves the full page
      await stopChild(nullServer);
      const nullServer2 = await spawnNode(NULL_SERVER, [certPath, keyPath, pageFile], (l) => l.length > 0);
      children.push(nullServer2);
      const nullThread2 = new ChatClient(
        `https://127.0.0.1:${Number(nullServer2.lines[0]?.split(' ')[1])}/`,
        new AzureCommunicationTokenCredential(token),
        chatOptions,
      ).getChatThreadClient(threadId);

      // (2) + (3): listing, alternating servers.
      await timeListing(emuThread);
      await timeListing(nullThread2);
      const emuList: { pagesPerSec: number; itemsPerSec: number }[] = [];
      const nullList: { pagesPerSec: number; itemsPerSec: number }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        emuList.push(await timeListing(emuThread));
        nullList.push(await timeListing(nullThread2));
      }

      // (5): RSS holding 100,000 messages in one thread (this thread, topped up).
      const rssBefore = rssMb(emu.pid);
      await pool(RSS_MESSAGES - LIST_THREAD_SIZE, CONCURRENCY, send);
      await new Promise((r) => setTimeout(r, 2000)); // let the emulator settle (GC) before reading RSS
      const rss = rssMb(emu.pid);
      const peak = rssMb(emu.pid, 'VmHWM');
      await Promise.all(children.splice(0).map(stopChild)); // free the cores for the durable run

      // (6) the same sends with --location (every 201 fsynced first), and (7) the restart that replays the journal.
      const durable = await measureDurable(dir, certPath, keyPath, ca);
      // (8) restart before vs after compaction
      const compaction = await measureCompaction(dir, ['--cert', certPath, '--key', keyPath]);

      const sendE = median(emuSend);
      const sendN = median(nullSend);
      const pagesE = median(emuList.map((x) => x.pagesPerSec));
      const pagesN = median(nullList.map((x) => x.pagesPerSec));
      const itemsE = median(emuList.map((x) => x.itemsPerSec));
      const itemsN = median(nullList.map((x) => x.itemsPerSec));
      const note = `median of ${ROUNDS} interleaved rounds, concurrency ${CONCURRENCY}`;
      return [
        {
          name: 'sendMessage (emulator)',
          value: round(sendE, 0),
          unit: 'msg/s',
          note: `${SENDS_PER_ROUND} per round; ${note}`,
        },
        { name: 'sendMessage (do-nothing)', value: round(sendN, 0), unit: 'msg/s', note: 'same SDK, same payload' },
        { name: 'sendMessage emulator ÷ do-nothing', value: round(sendE / sendN), unit: 'ratio', note: 'target ≥ 0.5' },
        {
          name: 'listMessages (emulator)',
          value: round(pagesE, 0),
          unit: 'pages/s',
          note: `pages of ${PAGE}, ${LIST_THREAD_SIZE}-message thread; ${note}`,
        },
        { name: 'listMessages items (emulator)', value: round(itemsE, 0), unit: 'items/s' },
        { name: 'listMessages (do-nothing)', value: round(pagesN, 0), unit: 'pages/s', note: 'a real captured page' },
        { name: 'listMessages items (do-nothing)', value: round(itemsN, 0), unit: 'items/s' },
        {
          name: 'listMessages emulator ÷ do-nothing',
          value: round(pagesE / pagesN),
          unit: 'ratio',
          note: 'target ≥ 0.5',
        },
        { name: `RSS with ${LIST_THREAD_SIZE} messages`, value: round(rssBefore, 1), unit: 'MB' },
        {
          name: `RSS with ${RSS_MESSAGES} messages`,
          value: round(rss, 1),
          unit: 'MB',
          note: `one thread, ${CONTENT.length}-char messages, in memory; target < 300 MB`,
        },
        { name: 'peak RSS (VmHWM)', value: round(peak, 1), unit: 'MB' },
        {
          name: 'sendMessage durable (--location)',
          value: round(durable.durablePerSec, 0),
          unit: 'msg/s',
          note: `each fsynced before its 201 (group commit); ${note}`,
        },
        { name: 'sendMessage in-memory (same rounds)', value: round(durable.memoryPerSec, 0), unit: 'msg/s' },
        {
          name: 'durable ÷ in-memory sendMessage',
          value: round(durable.durablePerSec / durable.memoryPerSec),
          unit: 'ratio',
          note: 'interleaved on two fresh emulators',
        },
        {
          name: `restart with ${DURABLE_MESSAGES} messages`,
          value: round(durable.restartMs, 0),
          unit: 'ms',
          note: `spawn to start lines, journal ${round(durable.journalMb, 1)} MB replayed`,
        },
        {
          name: `restart with ${COMPACTION_MESSAGES} messages + dead history`,
          value: round(compaction.beforeMs, 0),
          unit: 'ms',
          note: `journal ${round(compaction.beforeMb, 1)} MB (also ${COMPACTION_MESSAGES} in a deleted thread and ${COMPACTION_MESSAGES} edits): replayed, then compacted`,
        },
        {
          name: `restart with ${COMPACTION_MESSAGES} messages after compaction`,
          value: round(compaction.afterMs, 0),
          unit: 'ms',
          note: `journal ${round(compaction.afterMb, 1)} MB snapshot`,
        },
      ];
    } finally {
      await Promise.all(children.map(stopChild));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
