/**
 * Inspector bench: does an open inspector page slow the emulator's API? Two emulator children with the same
 * certificate, the same workload and the same 10,000-message thread; on one of them a page is open on that thread
 * the whole time (its live feed connected and fetching what the real page fetches when events arrive), on the other
 * no page was ever opened. Rounds alternate between the two, so machine noise hits both alike; medians are reported:
 *  1. sendMessage throughput through the JS chat SDK at concurrency 32 (each send is a live event for the page);
 *  2. listMessages, pages of 200 at concurrency 32;
 *  3. page open ÷ no page for each (1.0 = no cost).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatThreadClient } from '@azure/communication-chat';
import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import type { EmulatorChild } from './emulator-process';
import { spawnEmulator, stopChild } from './emulator-process';
import { CONCURRENCY, CONTENT, PAGE, pool, rawSender, SENDS_PER_ROUND, timeListing, timeSends } from './emulator.bench';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';

const ROUNDS = 5;
const THREAD_SIZE = 10_000;

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

/** Waits until a counter stops moving (the last live batch is in flight when the last send returns). */
async function settle(count: () => number): Promise<void> {
  for (let last = -1; count() !== last;) {
    last = count();
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** GET with the session cookie; resolves with the status once the body is read. */
function get(agent: Agent, url: URL, cookie: string, accept = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { cookie, accept } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * What an open inspector page asks of the emulator while it shows one thread: the live stream, and on each batch of
 * events the thread list and the thread's newest messages, on each state change the thread's details, each at most
 * as often as the page asks (page/main.ts: 500 ms, 200 ms, 1000 ms).
 */
class OpenPage {
  events = 0;
  fetches = 0;
  resyncs = 0;
  private stream: ReturnType<typeof request> | undefined;
  private readonly agent: Agent;

  private constructor(
    private readonly endpoint: string,
    private readonly threadId: string,
    private readonly cookie: string,
    private readonly ca: Buffer,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 6, ca });
  }

  static async open(emu: EmulatorChild, threadId: string, ca: Buffer): Promise<OpenPage> {
    // The browser's first request: the start line's URL exchanges the token for the session cookie.
    const cookie = await new Promise<string>((resolve, reject) => {
      request(emu.inspectorUrl, { ca, headers: { accept: 'text/html' } }, (res) => {
        res.resume();
        const set = res.headers['set-cookie']?.[0] ?? '';
        if (res.statusCode !== 303 || !set) reject(new Error(`inspector session: ${res.statusCode}`));
        else resolve(set.split(';')[0] ?? '');
      })
        .on('error', reject)
        .end();
    });
    const page = new OpenPage(emu.endpoint, threadId, cookie, ca);
    await page.connect();
    return page;
  }

  private url(path: string): URL {
    return new URL(path, this.endpoint);
  }

  private connect(): Promise<void> {
    const threads = this.every(500, '/inspector/api/threads?maxPageSize=25');
    const messages = this.every(
      200,
      `/inspector/api/threads/${encodeURIComponent(this.threadId)}/messages?maxPageSize=50`,
    );
    const detail = this.every(1000, `/inspector/api/threads/${encodeURIComponent(this.threadId)}`);
    return new Promise((resolve, reject) => {
      const req = request(
        this.url('/inspector/api/live'),
        { agent: false, ca: this.ca, headers: { cookie: this.cookie, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`live stream: ${res.statusCode}`));
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let end: number;
            while ((end = buffered.indexOf('\n\n')) >= 0) {
              const block = buffered.slice(0, end);
              buffered = buffered.slice(end + 2);
              const event = /^event: (\w+)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (event === 'chat' && data) {
                this.events += (JSON.parse(data) as unknown[]).length;
                threads();
                messages();
              } else if (event === 'resync') {
                this.resyncs++;
              } else if (event === 'state') {
                detail();
                resolve();
              }
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', reject);
      req.end();
      this.stream = req;
    });
  }

  /** A fetch that runs at most once at a time and once per `ms`, however often it is asked for. */
  private every(ms: number, path: string): () => void {
    let running = false;
    let dirty = false;
    let last = 0;
    const run = (): void => {
      if (running || !dirty || !this.stream) return;
      const wait = last + ms - Date.now();
      if (wait > 0) {
        running = true;
        setTimeout(() => ((running = false), run()), wait);
        return;
      }
      dirty = false;
      running = true;
      this.fetches++;
      void get(this.agent, this.url(path), this.cookie).finally(() => {
        running = false;
        last = Date.now();
        run();
      });
    };
    return () => {
      dirty = true;
      run();
    };
  }

  close(): void {
    this.stream?.destroy();
    this.stream = undefined;
    this.agent.destroy();
  }
}

export const inspectorBench: Bench = {
  name: 'inspector',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'acs-inspector-bench-'));
    const targets: Target[] = [];
    let page: OpenPage | undefined;
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
      page = await OpenPage.open(watched.emu, watched.thread.threadId, ca);

      const sendsPlain: number[] = [];
      const sendsWatched: number[] = [];
      const eventsBefore = page.events;
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
      await settle(() => page?.events ?? 0);
      const streamed = page.events - eventsBefore;

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
          note: `of ${ROUNDS * SENDS_PER_ROUND} sends (${page.resyncs} resyncs); the page made ${page.fetches} fetches in the whole run`,
        },
      ];
    } finally {
      page?.close();
      await Promise.all(targets.map((t) => stopChild(t.emu)));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
