/**
 * The chat bot on the `npm start` stack (emulator → Event Grid delivery → local host → queue → bot → ACS):
 * - reply latency: a user posts a command with the SDK and polls until the bot's reply is listable; p50 and p99
 *   over 200 commands, one at a time;
 * - absorption: users post ordinary messages as fast as the emulator takes them, and the emulator delivers one
 *   event per message to the app's Event Grid function; events per second from the first send until the webhook
 *   has delivered them all, beside the rate the emulator accepted the messages at.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, type ChatThreadClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startStack, type RunningStack } from '../localhost/stack/startStack';
import type { Bench, BenchResult } from './harness';
import { median, percentile, round } from './harness';

const COMMANDS = 200;
const FLOOD = 2000;

function adminGet(stack: RunningStack, ca: Buffer, path: string): Promise<unknown> {
  const emu = stack.emulator;
  const key = /accesskey=([^;]+)/i.exec(emu?.connectionString ?? '')?.[1] ?? '';
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, emu?.endpoint), { ca, headers: { 'x-emulator-key': key } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(JSON.parse(text) as unknown));
    });
    req.on('error', reject);
    req.end();
  });
}

async function delivered(stack: RunningStack, ca: Buffer): Promise<number> {
  const hooks = (await adminGet(stack, ca, '/admin/webhooks')) as { value: { delivered: number }[] };
  return hooks.value.reduce((n, w) => n + w.delivered, 0);
}

async function replyTo(thread: ChatThreadClient, messageId: string): Promise<void> {
  for (;;) {
    for await (const m of thread.listMessages({ maxPageSize: 10 })) {
      if (m.metadata?.['replyTo'] === messageId) return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const botBench: Bench = {
  name: 'bot',
  async run(): Promise<BenchResult[]> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-bot-'));
    const stack = await startStack({
      dataDir,
      ports: { blob: 0, queue: 0, table: 0, emulator: 0, functions: 0 },
      log: () => undefined,
    });
    try {
      const emu = stack.emulator;
      if (!emu) throw new Error('the stack has no emulator');
      const ca = readFileSync(emu.caCertPath);
      const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions: { ca } });
      const chatFor = (token: string) =>
        new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), { tlsOptions: { ca } });
      const { user, token } = await identity.createUserAndToken(['chat']);
      const res = await fetch(`${stack.functionsUrl}/api/threads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic: 'bench', participants: [{ id: user.communicationUserId }] }),
      });
      const { threadId } = (await res.json()) as { threadId: string };
      const thread = chatFor(token).getChatThreadClient(threadId);

      // Reply latency, one command at a time (a warm-up first: the first command creates tables and queues).
      const { id: warm } = await thread.sendMessage({ content: '/help' });
      await replyTo(thread, warm);
      const latencies: number[] = [];
      for (let i = 0; i < COMMANDS; i++) {
        const started = performance.now();
        const { id } = await thread.sendMessage({ content: i % 2 === 0 ? '/help' : '/schedules' });
        await replyTo(thread, id);
        latencies.push(performance.now() - started);
      }

      // Absorption: 8 users in 8 threads post ordinary messages; every one becomes an event for the app.
      const posters = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const u = await identity.createUserAndToken(['chat']);
          const chat = chatFor(u.token);
          const created = await chat.createChatThread({ topic: 'flood' });
          return chat.getChatThreadClient(created.chatThread?.id as string);
        }),
      );
      await new Promise((r) => setTimeout(r, 2000));
      const before = await delivered(stack, ca);
      const started = performance.now();
      let next = 0;
      await Promise.all(
        posters.map(async (t) => {
          while (next < FLOOD) {
            next++;
            await t.sendMessage({ content: `message ${next}` });
          }
        }),
      );
      const sentSeconds = (performance.now() - started) / 1000;
      // Creating the 8 threads raised events too; wait for everything sent after `before`.
      for (;;) {
        if ((await delivered(stack, ca)) - before >= FLOOD) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const absorbSeconds = (performance.now() - started) / 1000;
      return [
        {
          name: 'reply latency p50',
          value: round(median(latencies), 0),
          unit: 'ms',
          note: `${COMMANDS} commands, one at a time; target ≤ 500`,
        },
        { name: 'reply latency p99', value: round(percentile(latencies, 99), 0), unit: 'ms' },
        {
          name: 'events absorbed',
          value: round(FLOOD / absorbSeconds, 0),
          unit: 'events/s',
          note: `${FLOOD} chat events, each one POST to the app`,
        },
        {
          name: 'messages accepted by the emulator',
          value: round(FLOOD / sentSeconds, 0),
          unit: 'msg/s',
          note: 'same run, 8 senders',
        },
      ];
    } finally {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
