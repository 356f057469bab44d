import { ChatClient } from '@azure/communication-chat';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { freePort, PortTakenError } from '../../../../localhost/stack/ports';
import { startStack, type RunningStack } from '../../../../localhost/stack/startStack';
import { testHostKind } from '../../../support/hostKind';
import { readRecords, tempRecordFile } from '../../../support/hostProcess';
import { descendants, eventually, exitCode, isAlive, REPO_ROOT, spawnNode } from '../../../support/processes';

// npm start's orchestration, with the local host, or with the genuine Functions runtime in jest's `functions runtime`
// project (`npm start -- --runtime functions`): the same tests for both.
const runtime = testHostKind() === 'functions' ? 'functions' : 'local';

// Driven programmatically on free ports with a temporary data directory.
describe(`local stack (npm start): Azurite + ACS emulator + Functions host (${runtime})`, () => {
  let stack: RunningStack | undefined;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    const ports = { blob: 0, queue: 0, table: 0, emulator: 0, functions: 0 };
    stack = await startStack({ appDir: REPO_ROOT, dataDir, ports, runtime, log: (line) => lines.push(line) });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves GET /api/health as 200 JSON with storage and ACS up', async () => {
    const res = await fetch(`${stack?.functionsUrl}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ status: 'healthy', down: [] });
  });

  it('keeps Azurite and emulator data under the data directory', () => {
    expect(fs.readdirSync(path.join(dataDir, 'azurite')).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dataDir, 'emulator', 'cert.pem'))).toBe(true);
    expect(stack?.emulator?.caCertPath).toBe(path.join(dataDir, 'emulator', 'cert.pem'));
  });

  it('stops every child process (and their children) on close', async () => {
    const running = stack as RunningStack;
    const pids = running.pids();
    expect(pids).toHaveLength(3);
    const tree = pids.flatMap((pid) => [pid, ...descendants(pid)]);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    await running.close();
    await eventually(
      () => tree.filter(isAlive),
      (alive) => alive.length === 0,
      5000,
      'all stack processes to exit',
    );
    expect(descendants(process.pid).filter((pid) => tree.includes(pid))).toEqual([]);
  });
});

describe('local stack: a port already in use', () => {
  it('fails with a message naming the port and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const before = descendants(process.pid);
    try {
      const ports = {
        blob: await freePort(),
        queue: await freePort(),
        table: await freePort(),
        emulator: taken,
        functions: 0,
      };
      const attempt = startStack({
        dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'stack-')),
        ports,
        log: () => undefined,
      });
      await expect(attempt).rejects.toThrow(PortTakenError);
      await expect(attempt).rejects.toThrow(`Port ${taken} (ACS emulator) is already in use`);
      expect(descendants(process.pid).filter((pid) => !before.includes(pid))).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

/** `npm start`'s process (dist/localhost/start.js) on free ports and a scratch data directory. */
function spawnStart(dataDir: string, ports: Record<string, string> = {}): ReturnType<typeof spawnNode> {
  const flags = ['--blob-port', '--queue-port', '--table-port', '--emulator-port', '--functions-port'];
  const args = flags.flatMap((flag) => [flag, ports[flag] ?? '0']);
  return spawnNode(path.join(REPO_ROOT, 'dist', 'localhost', 'start.js'), [
    '--data-dir',
    dataDir,
    ...(runtime === 'functions' ? ['--runtime', 'functions'] : []),
    ...args,
  ]);
}

describe('npm start (dist/localhost/start.js) as a process', () => {
  it('prints where everything listens, serves health, and leaves no process behind after Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-'));
    const start = spawnStart(dataDir);
    try {
      await start.waitFor(/Press Ctrl-C to stop everything/, 120_000);
      const out = start.output();
      const url = /Functions host\s+(http:\/\/\S+)/.exec(out)?.[1];
      expect(out).toMatch(/ACS emulator\s+https:\/\/127\.0\.0\.1:\d+/);
      expect(out).toContain(`CA certificate: ${path.join(dataDir, 'emulator', 'cert.pem')}`);
      expect(out).toMatch(/Inspector: https:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/);
      expect(out).toMatch(/Azurite\s+blob http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      const tree = descendants(start.child.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(3);
      start.child.kill('SIGINT');
      expect(await exitCode(start.child)).toBe(0);
      await eventually(
        () => tree.filter(isAlive),
        (alive) => alive.length === 0,
        runtime === 'functions' ? 15_000 : 5000,
        'children to exit',
      );
      expect(start.output()).toContain('Stopped.');
    } finally {
      await start.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('npm start killed without a chance to clean up', () => {
  it('leaves no process behind after SIGKILL: each child stops itself when its parent is gone', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-'));
    const start = spawnStart(dataDir);
    let tree: number[] = [];
    try {
      await start.waitFor(/Press Ctrl-C to stop everything/, 120_000);
      tree = descendants(start.child.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(3);
      start.child.kill('SIGKILL');
      await exitCode(start.child);
      await eventually(
        () => tree.filter(isAlive),
        (alive) => alive.length === 0,
        15_000,
        'orphaned children to stop themselves',
      );
    } finally {
      for (const pid of tree.filter(isAlive)) process.kill(pid, 'SIGKILL');
      await start.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('npm start with a port already in use', () => {
  it('exits 1 with a message naming the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-'));
    const start = spawnStart(dataDir, { '--functions-port': String(taken) });
    try {
      expect(await exitCode(start.child)).toBe(1);
      expect(start.output()).toContain(`Port ${taken} (Functions host) is already in use`);
    } finally {
      await start.stop();
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('local stack: Event Grid wiring', () => {
  it("points the emulator's event webhooks at the app's eventGrid functions, which receive chat events", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-events-'));
    const lines: string[] = [];
    const ports = { blob: 0, queue: 0, table: 0, emulator: 0, functions: 0 };
    const recordFile = tempRecordFile('stack-events');
    process.env.FIXTURE_OUT = recordFile; // inherited by the host, where the fixture's onEvent records what it gets
    const stack = await startStack({
      appDir: path.join(REPO_ROOT, 'test', 'fixtures', 'http-app'),
      dataDir,
      ports,
      runtime,
      log: (line) => lines.push(line),
    }).finally(() => delete process.env.FIXTURE_OUT);
    try {
      const code = stack.runtime.kind === 'local' ? '' : `&code=${stack.runtime.keys.eventGrid}`;
      const webhook = `${stack.functionsUrl}/runtime/webhooks/eventgrid?functionName=onEvent${code}`;
      expect(lines).toContain(`  Event Grid events go to ${webhook.replace(/&code=.*/, '&code=***')}`);
      const cmdline = fs.readFileSync(`/proc/${stack.emulator?.child.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toEqual(expect.arrayContaining(['--event-webhook', webhook]));
      // The webhook answers as Event Grid expects.
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
        body: JSON.stringify([
          { id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'ok' } },
        ]),
      });
      expect(await res.json()).toEqual({ validationResponse: 'ok' });

      // A change made through the SDK reaches the app's eventGrid function through the emulator's delivery.
      const ca = fs.readFileSync(stack.emulator?.caCertPath ?? '');
      const identity = new CommunicationIdentityClient(stack.emulator?.connectionString ?? '', { tlsOptions: { ca } });
      const { token } = await identity.createUserAndToken(['chat']);
      const chat = new ChatClient(stack.emulator?.endpoint ?? '', new AzureCommunicationTokenCredential(token), {
        tlsOptions: { ca },
      });
      const { chatThread } = await chat.createChatThread({ topic: 'to the bot' });
      const delivered = await eventually(
        () => readRecords(recordFile).filter((r) => r.fn === 'onEvent'),
        (records) => records.length > 0,
        15_000,
        'the event to reach the function',
      );
      expect(delivered[0]).toMatchObject({
        eventType: 'Microsoft.Communication.ChatThreadCreated',
        data: { threadId: chatThread?.id },
      });
    } finally {
      await stack.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
