/**
 * Inspector bench: does an open inspector page slow the emulator's API? Two emulator children with the same
 * certificate, the same workload and the same 10,000-message thread; on one of them a page is open on that thread
 * the whole time (inspector-page.ts: a process of its own, as a browser is, its live feed connected and fetching
 * what the real page fetches when events arrive), on the other no page was ever opened. Rounds alternate between the two, so machine noise hits both alike; medians are reported:
 *  1. sendMessage throughput through the JS chat SDK at concurrency 32 (each send is a live event for the page);
 *  2. listMessages, pages of 200 at concurrency 32;
 *  3. page open ÷ no page for each (1.0 = no cost).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatThreadClient } from '@azure/communication-chat';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import type { Child, EmulatorChild } from './emulator-process';
import { spawnEmulator, spawnNode, stopChild } from './emulator-process';
import { CONCURRENCY, CONTENT, PAGE, pool, rawSender, SENDS_PER_ROUND, timeListing, timeSends } from './emulator.bench';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';

const ROUNDS = 5;
const THREAD_SIZE = 10_000;
const PAGE_SCRIPT = join(__dirname, 'inspector-page.js');

interface Target {
  emu: EmulatorChild;
  thread: ChatThreadClient;
  token: string;
}

async function target(args: string[], ca: Buffer): Promise<Target> {
  const emu = await spawnEmulator(args);
  const tlsOptions = { ca };
  const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions });
  const { token } = await identity.createUserAndToken(['chat']);
  const chat = new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), { tlsOptions });
  const threadId = (await chat.createChatThread({ topic: 'inspector bench' })).chatThread?.id ?? '';
  const thread = chat.getChatThreadClient(threadId);
  await pool(500, CONCURRENCY, () => thread.sendMessage({ content: CONTENT })); // warm up
  return { emu, thread, token };
}

/** The page process's latest counts (it prints them as they change). */
function pageCounts(page: Child): { events: number; fetches: number; resyncs: number } {
  const line = [...page.lines].reverse().find((l) => l.startsWith('counts ')) ?? 'counts 0 0 0';
  const [events = 0, fetches = 0, resyncs = 0] = line.split(' ').slice(1).map(Number);
  return { events, fetches, resyncs };
}

/** Waits until a counter stops moving (the last live batch is in flight when the last send returns). */
async function settle(count: () => number): Promise<void> {
  for (let last = -1; count() !== last;) {
    last = count();
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const inspectorBench: Bench = {
  name: 'inspector',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'acs-inspector-bench-'));
    const targets: Target[] = [];
    let page: Child | undefined;
    try {
      // One certificate for both emulators (written by a short first run into --location).
      const tlsDir = join(dir, 'tls');
      await stopChild(await spawnEmulator(['--location', tlsDir]));
      const tls = ['--cert', join(tlsDir, 'cert.pem'), '--key', join(tlsDir, 'key.pem')];
      const ca = readFileSync(join(tlsDir, 'cert.pem'));
      const plain = await target(tls, ca);
      targets.push(plain);
      const watched = await target(tls, ca);
      targets.push(watched);
      // The open page: a process of its own, as a browser is.
      const caPath = join(tlsDir, 'cert.pem');
      page = await spawnNode(PAGE_SCRIPT, [watched.emu.inspectorUrl, watched.thread.threadId, caPath], (l) =>
        l.includes('ready'),
      );
      const open = page;

      const sendsPlain: number[] = [];
      const sendsWatched: number[] = [];
      const eventsBefore = pageCounts(open).events;
      // ABBA: each emulator goes first in every other round, so neither always follows the other's garbage.
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          sendsPlain.push(await timeSends(plain.thread));
          sendsWatched.push(await timeSends(watched.thread));
        } else {
          sendsWatched.push(await timeSends(watched.thread));
          sendsPlain.push(await timeSends(plain.thread));
        }
      }
      await settle(() => pageCounts(open).events);
      const streamed = pageCounts(open).events - eventsBefore;

      // Both threads to 10,000 messages, then list.
      for (const t of targets) {
        const sent = 500 + ROUNDS * SENDS_PER_ROUND;
        await pool(THREAD_SIZE - sent, CONCURRENCY, rawSender(t.emu.endpoint, ca, t.token, t.thread.threadId));
      }
      await timeListing(plain.thread);
      await timeListing(watched.thread);
      const listPlain: number[] = [];
      const listWatched: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          listPlain.push((await timeListing(plain.thread)).pagesPerSec);
          listWatched.push((await timeListing(watched.thread)).pagesPerSec);
        } else {
          listWatched.push((await timeListing(watched.thread)).pagesPerSec);
          listPlain.push((await timeListing(plain.thread)).pagesPerSec);
        }
      }

      const sendP = median(sendsPlain);
      const sendW = median(sendsWatched);
      const listP = median(listPlain);
      const listW = median(listWatched);
      const note = `median of ${ROUNDS} interleaved rounds, concurrency ${CONCURRENCY}`;
      return [
        {
          name: 'sendMessage, no page',
          value: round(sendP, 0),
          unit: 'msg/s',
          note: `${SENDS_PER_ROUND} per round; ${note}`,
        },
        {
          name: 'sendMessage, page open + live',
          value: round(sendW, 0),
          unit: 'msg/s',
          note: 'the page shows the thread being written',
        },
        {
          name: 'sendMessage page ÷ no page',
          value: round(sendW / sendP),
          unit: 'ratio',
          note: 'target ≈ 1 (no drop)',
        },
        {
          name: 'listMessages, no page',
          value: round(listP, 0),
          unit: 'pages/s',
          note: `pages of ${PAGE}, ${THREAD_SIZE}-message thread; ${note}`,
        },
        { name: 'listMessages, page open + live', value: round(listW, 0), unit: 'pages/s' },
        {
          name: 'listMessages page ÷ no page',
          value: round(listW / listP),
          unit: 'ratio',
          note: 'target ≈ 1 (no drop)',
        },
        {
          name: 'events streamed to the page',
          value: streamed,
          unit: 'events',
          note: `of ${ROUNDS * SENDS_PER_ROUND} sends (${pageCounts(open).resyncs} resyncs); the page made ${pageCounts(open).fetches} fetches in the whole run`,
        },
      ];
    } finally {
      if (page) await stopChild(page);
      await Promise.all(targets.map((t) => stopChild(t.emu)));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
