import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, startEmulator } from '../src/index';
import { processInstanceId } from '../src/persistence/processes';
import { Admin } from './support/admin';
import { startTestEmulator } from './support/emulator';
import { chatClient, identityClient, newUser } from './support/clients';
import type { CliEmulator } from './support/cli';
import { cliFixture, killHard, spawnCli, stop } from './support/cli';
import type { WebhookReceiver } from './support/webhookReceiver';
import { startReceiver, until } from './support/webhookReceiver';

// Restarts that always work (contract: persistence): the state directory's lock never refuses a restart after
// kill -9 (own pid reused, zombie owner), still refuses a second live emulator, and webhook deliveries pending at a
// kill are delivered after the restart, in order per endpoint.

const fixture = cliFixture('acs-emu-restart-');
const helpers: ChildProcess[] = [];

afterAll(() => {
  for (const c of helpers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A process that just sleeps; killed after the tests. */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  helpers.push(child);
  if (child.pid === undefined) throw new Error('could not spawn sleep');
  return child as ChildProcess & { pid: number };
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * A zombie: a shell starts a child that exits a moment later, after the shell has become `sleep` (exec), which
 * never reaps it (had the child exited before the exec, the shell might have reaped it). Resolves with the
 * zombie's pid once its state is `Z`.
 */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  helpers.push(parent);
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.once('error', reject);
  });
  await until(() => procState(pid) === 'Z', `pid ${pid} to become a zombie`, 10_000);
  return pid;
}

function lockedDir(name: string, content: string): string {
  const dir = join(fixture.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.lock'), content);
  return dir;
}

/** Starts an in-process emulator on `location` and closes it; rejects with the start error. */
async function startAndClose(location: string): Promise<void> {
  const emu = await startEmulator({ port: 0, silent: true, location });
  await emu.close();
}

describe('isProcessAlive', () => {
  it('is true for a running process and false for an exited one, a zombie and non-pids', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const s = sleeper();
    expect(isProcessAlive(s.pid)).toBe(true);
    const z = await zombie();
    expect(isProcessAlive(z)).toBe(false);
    const exited = spawn('true');
    const exitedPid = exited.pid ?? -1;
    await new Promise((r) => exited.once('exit', r));
    await until(() => procState(exitedPid) === undefined, 'the exited child to be reaped', 10_000);
    expect(isProcessAlive(exitedPid)).toBe(false);
    for (const bad of [0, -1, Number.NaN, 1.5]) expect(isProcessAlive(bad)).toBe(false);
  });
});

describe('the state directory lock', () => {
  it('does not block start when it holds our own pid (a container restart as pid 1, a fast pid reuse)', async () => {
    await startAndClose(lockedDir('own-bare', String(process.pid)));
    await startAndClose(
      lockedDir('own-json', JSON.stringify({ pid: process.pid, instance: processInstanceId(process.pid) })),
    );
  });

  it('does not block start when its owner is a zombie', async () => {
    const z = await zombie();
    await startAndClose(lockedDir('zombie', String(z)));
  });

  it('does not block start when its pid now belongs to another process (another start time)', async () => {
    const s = sleeper();
    await startAndClose(lockedDir('reused', JSON.stringify({ pid: s.pid, instance: 'another-boot:12345' })));
  });

  it('does not block start when it is unreadable (a torn write)', async () => {
    await startAndClose(lockedDir('torn', '{"pid":'));
  });

  it('refuses while its owner runs, naming the pid', async () => {
    const s = sleeper();
    const bare = lockedDir('live-bare', String(s.pid));
    await expect(startAndClose(bare)).rejects.toThrow(
      `The state directory ${bare} is in use by another emulator (pid ${s.pid})`,
    );
    const exact = lockedDir('live-json', JSON.stringify({ pid: s.pid, instance: processInstanceId(s.pid) }));
    await expect(startAndClose(exact)).rejects.toThrow(`(pid ${s.pid})`);
    // the refusal leaves the owner's lock alone
    expect(JSON.parse(readFileSync(join(exact, '.lock'), 'utf8'))).toMatchObject({ pid: s.pid });
  });

  it('refuses a second live emulator on the same directory, in this process or another', async () => {
    const dir = join(fixture.dir, 'two');
    const first = await startEmulator({ port: 0, silent: true, location: dir });
    try {
      await expect(startAndClose(dir)).rejects.toThrow(/in use by another emulator in this process/);
    } finally {
      await first.close();
    }
    const cli = fixture.track(await spawnCli(['--port', '0', '--location', dir, '--silent']));
    await expect(startAndClose(dir)).rejects.toThrow(`(pid ${cli.pid})`);
    await killHard(cli.child); // kill -9 leaves the lock behind...
    await startAndClose(dir); // ...and the next start takes it over
  });
});

describe('webhook deliveries across restarts', () => {
  const receivers: WebhookReceiver[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('delivers every event pending at the kill after the restart, in order per endpoint', async () => {
    const loc = join(fixture.dir, 'outbox');
    const startup = await startReceiver(); // --event-webhook, Event Grid schema
    const added = await startReceiver(); // added through the admin API, CloudEvents
    receivers.push(startup, added);
    const args = [
      ...['--port', '0', '--location', loc, '--silent'],
      ...['--event-webhook', JSON.stringify({ name: 'startup', url: startup.url })],
      ...['--event-time-scale', '0.001'],
    ];
    const first: CliEmulator = fixture.track(await spawnCli(args));
    const admin = new Admin(first);
    expect((await admin.putWebhook('added', { url: added.url, schema: 'CloudEventSchemaV1_0' })).status).toBe(201);
    const alice = await newUser(identityClient(first));
    const chat = chatClient(first, alice.token);
    const { chatThread } = await chat.createChatThread({ topic: 'outbox' });
    const threadId = chatThread?.id ?? '';
    await until(() => startup.events().length === 1 && added.events().length === 1, 'the first event at both');

    // Both endpoints go down; the events pile up.
    await Promise.all([startup.down(), added.down()]);
    const thread = chat.getChatThreadClient(threadId);
    const sent: string[] = [];
    for (let i = 0; i < 15; i++) sent.push((await thread.sendMessage({ content: `m${i}` })).id);
    let statuses = await admin.webhooks();
    for (let i = 0; i < 200 && !statuses.every((w) => w.pending === 15 && w.retrying >= 1); i++) {
      await new Promise((r) => setTimeout(r, 25));
      statuses = await admin.webhooks();
    }
    expect(statuses.map((w) => [w.name, w.pending])).toEqual([
      ['startup', 15],
      ['added', 15],
    ]);
    await killHard(first.child);

    const second = fixture.track(await spawnCli(args));
    await Promise.all([startup.up(), added.up()]);
    const messageIds = (r: WebhookReceiver): string[] =>
      r
        .events()
        .map((e) => e.data['messageId'])
        .filter((id): id is string => typeof id === 'string');
    await until(
      () => sent.every((id) => messageIds(startup).includes(id) && messageIds(added).includes(id)),
      'every pending event at both endpoints',
      60_000,
    );
    for (const r of [startup, added]) expect([...new Set(messageIds(r))]).toEqual(sent);
    // The startup webhook is validated again by the new process; the admin one was kept as validated.
    expect(startup.handshakes).toHaveLength(2);
    expect(added.handshakes).toHaveLength(1);
    const after = await new Admin(second).webhooks();
    expect(after).toEqual([
      expect.objectContaining({ name: 'startup', source: 'startup', validation: 'validated', pending: 0 }),
      expect.objectContaining({ name: 'added', source: 'admin', validation: 'validated', pending: 0 }),
    ]);
    expect(await stop(second.child)).toBe(0);
  }, 120_000);

  it('keeps pending deliveries and dead letters through an admin reset and the compaction at the next start', async () => {
    const loc = join(fixture.dir, 'compacted');
    const hook = await startReceiver({ answer: (n) => (n === 0 ? 400 : 200) }); // the first event is refused
    receivers.push(hook);
    const options = { location: loc, eventWebhooks: [{ name: 'hook', url: hook.url }], eventTimeScale: 0.001 };
    const first = await startTestEmulator(options);
    const admin = new Admin(first);
    const alice = await newUser(identityClient(first));
    const chat = chatClient(first, alice.token);
    const { chatThread } = await chat.createChatThread({ topic: 'compacted' });
    await until(() => hook.attempts.length === 1, 'the refused event');
    await hook.down();
    const thread = chat.getChatThreadClient(chatThread?.id ?? '');
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await thread.sendMessage({ content: `m${i}` })).id);
    await admin.reset(); // clears the chat state; events already published are still owed
    expect((await admin.deadLetters()).map((d) => d.deadLetterReason)).toEqual(['UndeliverableDueToHttpBadRequest']);
    await first.close();

    const second = await startTestEmulator(options);
    try {
      // The journal held a reset, so the start rewrote it as a snapshot (chat state, then the outbox).
      const journal = readFileSync(join(loc, 'acs-emulator-state.jsonl'), 'utf8');
      expect(JSON.parse(journal.slice(0, journal.indexOf('\n')))).toMatchObject({ t: 'snap' });
      await hook.up();
      const delivered = (): string[] =>
        hook
          .events()
          .map((e) => e.data['messageId'])
          .filter((id): id is string => typeof id === 'string');
      // Scaled retries back off to 10.8 s, then 21.6 s, once an endpoint has been down 6.4 s (a loaded machine).
      await until(() => delivered().length === sent.length, 'the pending events', 60_000);
      expect(delivered()).toEqual(sent);
      const letters = await new Admin(second).deadLetters();
      expect(letters).toEqual([
        expect.objectContaining({
          webhook: 'hook',
          deadLetterReason: 'UndeliverableDueToHttpBadRequest',
          event: expect.objectContaining({ eventType: 'Microsoft.Communication.ChatThreadCreated' }) as object,
        }),
      ]);
    } finally {
      await second.close();
    }
  }, 120_000);
});
