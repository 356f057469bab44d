import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from './support/admin';
import { chatClient, identityClient, newUser, statusOf } from './support/clients';
import type { CliEmulator } from './support/cli';
import { CLI_PATH, spawnCli, stop, cliFixture } from './support/cli';
import { startTestEmulator } from './support/emulator';
import { bearerRequest } from './support/http';

// CLI flags and start-up options (contract: CLI, EmulatorOptions).

const WELL_KNOWN = 'YWNzLWVtdWxhdG9yLXdlbGwta25vd24tZGV2LWtleSE=';
const fixture = cliFixture('acs-emu-cli-');

async function start(args: string[]): Promise<CliEmulator> {
  const emu = await spawnCli(['--port', '0', '--silent', ...args]);
  fixture.track(emu);
  return emu;
}

test('without --access-key the well-known dev key is used; without --location the CA is still a readable PEM', async () => {
  const emu = await start([]);
  expect(emu.accessKey).toBe(WELL_KNOWN);
  expect(readFileSync(emu.caCertPath, 'utf8')).toMatch(/-----BEGIN CERTIFICATE-----/);
  const identity = identityClient(emu);
  const u = await newUser(identity);
  // localhost is in the certificate too, and relative nextLinks resolve against whichever host the client used
  const viaLocalhost = { ...emu, endpoint: emu.endpoint.replace('127.0.0.1', 'localhost') };
  const localChat = chatClient(viaLocalhost, u.token);
  const created = await localChat.createChatThread({ topic: 'localhost' });
  const pages: number[] = [];
  for await (const page of localChat
    .getChatThreadClient(created.chatThread?.id ?? '')
    .listMessages({ maxPageSize: 1 })
    .byPage()) {
    pages.push(page.length);
  }
  expect(pages).toEqual([1, 1]); // participantAdded + topicUpdated, one per page
  expect(await stop(emu.child)).toBe(0);
});

test('--fault applies a rule from the start; --throttling turns throttling on; --event-webhook is accepted', async () => {
  const fault = JSON.stringify({ kind: 'status', operation: 'CreateChatThread', status: 503, count: 1 });
  // --event-webhook is accepted (delivery itself is covered by eventDelivery.test.ts)
  const emu = await start(['--fault', fault, '--throttling', '--event-webhook', 'https://127.0.0.1:9/hook']);
  const admin = new Admin(emu);
  const state = await admin.state();
  expect(state.throttling).toBe(true);
  expect(state.faults).toHaveLength(1);
  expect(state.faults[0]).toMatchObject({ kind: 'status', operation: 'CreateChatThread', status: 503, remaining: 1 });
  const u = await newUser(identityClient(emu));
  const noRetry = chatClient(emu, u.token, { retryOptions: { maxRetries: 0 } });
  expect(await statusOf(noRetry.createChatThread({ topic: 'x' }))).toBe(503);
  await expect(noRetry.createChatThread({ topic: 'x' })).resolves.toHaveProperty('chatThread');
  expect(await stop(emu.child)).toBe(0);
});

test('--cert/--key serve the given certificate and print its path', async () => {
  const first = await start(['--location', join(fixture.dir, 'cert-source')]);
  const certPath = first.caCertPath;
  // the emulator keeps its key beside the certificate in --location; reuse both as user-supplied files
  const keyPath = ['key.pem', 'private-key.pem', 'cert.key', 'key']
    .map((n) => join(fixture.dir, 'cert-source', n))
    .find((p) => {
      try {
        return readFileSync(p, 'utf8').includes('PRIVATE KEY');
      } catch {
        return false;
      }
    });
  await stop(first.child);
  if (!keyPath) throw new Error('no private key file found beside the certificate in --location');
  const emu = await start(['--cert', certPath, '--key', keyPath]);
  expect(emu.caCertPath).toBe(certPath);
  expect(emu.ca.equals(readFileSync(certPath))).toBe(true);
  const res = await bearerRequest({
    method: 'GET',
    url: '/chat/threads?api-version=2025-03-15',
    base: emu.endpoint,
    ca: emu.ca,
    token: 'x',
  });
  expect(res.status).toBe(401); // TLS handshake with the given cert worked
  expect(await stop(emu.child)).toBe(0);
});

test.each([
  [['--port', 'eighty'], /--port/],
  [['--bogus'], /bogus/],
  [['--fault', '{not json'], /--fault/],
  [['--fault', JSON.stringify({ kind: 'status', status: 42 })], /status/],
  [['--cert', '/nonexistent/cert.pem', '--key', '/nonexistent/key.pem'], /cert/i],
  [['--access-key', 'not base64!'], /access.?key/i],
])('bad arguments %j -> non-zero exit with a message naming the problem', (args, pattern) => {
  const res = spawnSync(process.execPath, [CLI_PATH, '--port', '0', ...args], { encoding: 'utf8', timeout: 15_000 });
  expect(res.status).not.toBe(0);
  expect(res.status).not.toBeNull();
  expect(`${res.stderr}${res.stdout}`).toMatch(pattern);
});

test('a port already in use -> non-zero exit naming the port, leaving no temporary files', async () => {
  const emu = await start([]);
  const port = new URL(emu.endpoint).port;
  // a private TMPDIR makes "nothing left behind" checkable while other suites create temp dirs in parallel
  const privateTmp = mkdtempSync(join(fixture.dir, 'tmp-'));
  const res = spawnSync(process.execPath, [CLI_PATH, '--port', port, '--silent'], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, TMPDIR: privateTmp },
  });
  expect(res.status).not.toBe(0);
  expect(`${res.stderr}${res.stdout}`).toContain(port);
  expect(readdirSync(privateTmp)).toEqual([]);
  await stop(emu.child);
});

test('SIGTERM removes the temporary certificate directory of an in-memory emulator', async () => {
  const privateTmp = mkdtempSync(join(fixture.dir, 'tmp-'));
  const emu = await spawnCli(['--port', '0', '--silent'], 20_000, { ...process.env, TMPDIR: privateTmp });
  fixture.track(emu);
  expect(emu.caCertPath.startsWith(privateTmp)).toBe(true);
  expect(await stop(emu.child)).toBe(0);
  expect(readdirSync(privateTmp)).toEqual([]);
});

test('startEmulator({ faults, accessKey }) applies both', async () => {
  const key = Buffer.from('in-process-key-for-cli-test').toString('base64');
  const emu = await startTestEmulator({
    accessKey: key,
    faults: [{ kind: 'latency', operation: 'CreateUser', latencyMs: 1, count: 1 }],
  });
  try {
    expect(emu.accessKey).toBe(key);
    expect(emu.connectionString).toBe(`endpoint=${emu.endpoint};accesskey=${key}`);
    const faults = await new Admin(emu).faults();
    expect(faults).toHaveLength(1);
    await identityClient(emu).createUser();
    expect(await new Admin(emu).faults()).toEqual([]);
  } finally {
    await emu.close();
  }
});

test('close() releases the port', async () => {
  const emu = await startTestEmulator();
  const port = Number(new URL(emu.endpoint).port);
  await emu.close();
  const again = await startTestEmulator({ port });
  expect(again.endpoint).toBe(emu.endpoint);
  await again.close();
});

test('NODE_EXTRA_CA_CERTS alone is enough for unmodified SDK code (no tlsOptions)', async () => {
  const emu = await start([]);
  // plain SDK usage, exactly as an app would write it; trust comes only from the environment
  const script = `
    const { CommunicationIdentityClient } = require('@azure/communication-identity');
    const { ChatClient } = require('@azure/communication-chat');
    const { AzureCommunicationTokenCredential } = require('@azure/communication-common');
    (async () => {
      const identity = new CommunicationIdentityClient(process.argv[1]);
      const { token } = await identity.createUserAndToken(['chat']);
      const chat = new ChatClient(process.argv[2], new AzureCommunicationTokenCredential(token));
      const res = await chat.createChatThread({ topic: 'env trust' });
      process.stdout.write(res.chatThread.topic);
    })().catch((e) => { process.stderr.write(String(e && e.code) + ' ' + String(e)); process.exit(1); });
  `;
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['-e', script, emu.connectionString, emu.endpoint], {
      encoding: 'utf8',
      timeout: 30_000,
      env,
      cwd: join(__dirname, '..', '..'),
    });
  const trusted = run({ ...process.env, NODE_EXTRA_CA_CERTS: emu.caCertPath });
  expect(trusted.stderr).toBe('');
  expect(trusted.stdout).toBe('env trust');
  // and without it the certificate is rejected, so the trust really came from the variable
  const untrusted = run({ ...process.env, NODE_EXTRA_CA_CERTS: '' });
  expect(untrusted.status).not.toBe(0);
  expect(untrusted.stderr).toMatch(/SELF_SIGNED|self.signed|certificate/i);
  expect(await stop(emu.child)).toBe(0);
}, 60_000);

test('the request log never shows tokens, keys or signatures (only the contract start lines carry the key)', async () => {
  const key = Buffer.from('log-secrecy-test-key-0123456789').toString('base64');
  const emu = await spawnCli(['--port', '0', '--access-key', key]); // not --silent: the request log is on
  fixture.track(emu);
  const identity = identityClient(emu);
  const u = await newUser(identity);
  const chat = chatClient(emu, u.token);
  const created = await chat.createChatThread({ topic: 'secret topic' });
  await chat.getChatThreadClient(created.chatThread?.id ?? '').sendMessage({ content: 'secret content' });
  const forged = `${u.token.slice(0, -4)}AAAA`;
  const rejected = await bearerRequest({
    method: 'GET',
    url: '/chat/threads?api-version=2025-03-15',
    base: emu.endpoint,
    ca: emu.ca,
    token: forged,
  });
  expect(rejected.status).toBe(401);
  expect(rejected.text).not.toContain(forged); // error bodies do not echo credentials either
  await new Promise((r) => setTimeout(r, 200)); // let the log lines arrive
  expect(await stop(emu.child)).toBe(0);
  const log = emu.output.slice(3).join('\n');
  expect(log).toMatch(/\/chat\/threads/); // the log is really on
  for (const secret of [key, u.token, u.token.split('.')[2] ?? '', forged, 'HMAC-SHA256', 'Signature=']) {
    expect(log).not.toContain(secret);
  }
});
