/**
 * Differential conformance: the same requests to the local host and to the genuine Azure Functions runtime, on the
 * same app, and what comes back compared. The runtime is the referee: a difference is fixed in localhost/, or kept
 * below with its reason (and listed in localhost/README.md).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import path from 'path';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { differences, observe, type Probe, type Target } from '../../support/differential';
import {
  FIXTURES,
  startHostProcess,
  startRuntimeProcess,
  type HostProcess,
  type RuntimeProcess,
} from '../../support/hostProcess';
import { eventually, REPO_ROOT } from '../../support/processes';
import { startTestEmulator, type TestEmulator } from '../../../emulator/test/support/emulator';

const KEY = 'differential-function-key';

/**
 * Differences kept on purpose, by probe name, with the reason (also listed in localhost/README.md). The test fails
 * if one of them goes away, so that this list stays true.
 */
const KEPT: Record<string, string> = {
  'admin: status, function key':
    'the local host has one key, which opens everything; the runtime refuses a function key on /admin (403)',
  'admin: run an HTTP function':
    'the runtime accepts it (202); the local host says to call the route instead (400 with the reason)',
  'admin: GET a function': "the local host has no function metadata API (405); the runtime answers the function's JSON",
};

describe('differential: local host vs Functions runtime, HTTP (http-app fixture)', () => {
  let azurite: TestAzurite;
  let local: HostProcess;
  let runtime: RuntimeProcess;
  let targets: { local: Target; runtime: Target };

  beforeAll(async () => {
    azurite = await startAzurite();
    const env = { AzureWebJobsStorage: azurite.connectionString, PRESET_BY_ENV: 'from the environment' };
    const app = path.join(FIXTURES, 'http-app');
    [local, runtime] = await Promise.all([
      startHostProcess(app, { env, args: ['--function-key', KEY] }),
      startRuntimeProcess(app, { env, keys: { function: KEY } }),
    ]);
    targets = {
      local: { url: local.url, keys: { function: KEY, master: KEY, eventGrid: KEY } },
      runtime: { url: runtime.url, keys: runtime.keys },
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([local?.stop(), runtime?.stop()]);
    await azurite?.stop();
  });

  const json = { 'content-type': 'application/json' };
  const probes: Probe[] = [
    { name: 'params, query', method: 'GET', path: '/api/hello/world?q=1&tag=a&tag=b', key: 'function' },
    { name: 'encoded param', method: 'GET', path: '/api/hello/19%3Aabc%40thread.v2', key: 'function' },
    { name: 'json echo', method: 'POST', path: '/api/echo', headers: json, body: '{"a":[1,2]}', key: 'function' },
    { name: 'json echo PUT', method: 'PUT', path: '/api/echo', headers: json, body: '{"a":1}', key: 'function' },
    { name: 'bytes', method: 'POST', path: '/api/bytes', body: Buffer.from([0, 1, 2, 255]), key: 'function' },
    { name: 'int constraint', method: 'GET', path: '/api/items/42', key: 'function' },
    { name: 'literal wins', method: 'GET', path: '/api/items/new', key: 'function' },
    { name: 'slug', method: 'GET', path: '/api/items/abc', key: 'function' },
    { name: 'case-insensitive', method: 'GET', path: '/API/Items/New', key: 'function' },
    { name: 'encoded space', method: 'GET', path: '/api/items/with%20space', key: 'function' },
    { name: 'catch-all', method: 'GET', path: '/api/files/a/b/c.txt', key: 'function' },
    { name: 'catch-all empty', method: 'GET', path: '/api/files', key: 'function' },
    { name: 'optional absent', method: 'GET', path: '/api/opt', key: 'function' },
    { name: 'optional present', method: 'GET', path: '/api/opt/7', key: 'function' },
    { name: 'default route GET', method: 'GET', path: '/api/defaultRoute', key: 'function' },
    { name: 'default route POST', method: 'POST', path: '/api/defaultRoute', key: 'function' },
    { name: 'no content', method: 'GET', path: '/api/nothing', key: 'function' },
    { name: 'handler throws', method: 'GET', path: '/api/boom', key: 'function' },
    { name: 'hook wraps', method: 'GET', path: '/api/hooked', key: 'function' },
    { name: 'hook recovers', method: 'GET', path: '/api/recovered', key: 'function' },
    { name: 'wrong method', method: 'DELETE', path: '/api/hello/world', key: 'function' },
    { name: 'wrong method, constraint route', method: 'POST', path: '/api/items/42', key: 'function' },
    { name: 'unmatched route', method: 'GET', path: '/api/nowhere', key: 'function' },
    { name: 'outside the prefix', method: 'GET', path: '/nowhere', key: 'function' },
    { name: 'secure without key', method: 'GET', path: '/api/secure', key: 'none' },
    { name: 'secure with key', method: 'GET', path: '/api/secure', key: 'function' },
    { name: 'secure with code', method: 'GET', path: `/api/secure?code=${KEY}`, key: 'none' },
    { name: 'secure wrong key', method: 'GET', path: '/api/secure', headers: { 'x-functions-key': 'wrong' } },
    { name: 'admin route, master key', method: 'GET', path: '/api/ops-only', key: 'master' },
    { name: 'reserved route prefix', method: 'GET', path: '/api/administration/tools', key: 'function' },
    { name: 'escapes in the path', method: 'GET', path: '/api/hello/a%20b%2Fc%25d%3F%23e', key: 'function' },
    { name: 'non-ASCII and plus', method: 'GET', path: '/api/hello/caf%C3%A9+%E2%82%AC?x=a+b&x=%2F', key: 'function' },
    { name: 'bad escape', method: 'GET', path: '/api/items/%E0%A4%A', key: 'function' },
    // The runtime's home page is a styled HTML page; the local host's has the same title, not the same markup.
    { name: 'root', method: 'GET', path: '/', key: 'none', compareBody: false },
    { name: 'admin: host status', method: 'GET', path: '/admin/host/status', key: 'master', compareBody: false },
    { name: 'admin: status without key', method: 'GET', path: '/admin/host/status', key: 'none' },
    { name: 'admin: status, function key', method: 'GET', path: '/admin/host/status', key: 'function' },
    {
      name: 'admin: run a function',
      method: 'POST',
      path: '/admin/functions/manual',
      headers: json,
      body: '{"input":"x"}',
      key: 'master',
    },
    {
      name: 'admin: run an HTTP function',
      method: 'POST',
      path: '/admin/functions/hello',
      headers: json,
      body: '{"input":"x"}',
      key: 'master',
    },
    {
      name: 'admin: run an unknown function',
      method: 'POST',
      path: '/admin/functions/nope',
      headers: json,
      body: '{"input":"x"}',
      key: 'master',
    },
    {
      name: 'admin: run, bad body',
      method: 'POST',
      path: '/admin/functions/manual',
      headers: json,
      body: '{',
      key: 'master',
    },
    {
      name: 'admin: GET a function',
      method: 'GET',
      path: '/admin/functions/manual',
      key: 'master',
      compareBody: false,
    },
    { name: 'HEAD', method: 'HEAD', path: '/api/hello/x', key: 'function' },
    { name: 'long URL', method: 'GET', path: `/api/items/${'x'.repeat(9000)}`, key: 'function' },
    {
      name: 'Event Grid handshake',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        {
          id: 'v1',
          topic: '/t',
          subject: 's',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: '2026-12-05T00:00:00Z',
          data: { validationCode: 'code-123' },
          dataVersion: '1',
          metadataVersion: '1',
        },
      ]),
      key: 'eventGrid',
    },
    {
      name: 'Event Grid event',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'Notification' },
      body: JSON.stringify([
        {
          id: 'e1',
          topic: '/t',
          subject: 's',
          eventType: 'Test.Event',
          eventTime: '2026-12-05T00:00:00Z',
          data: { n: 1 },
          dataVersion: '1',
          metadataVersion: '1',
        },
      ]),
      key: 'eventGrid',
    },
    {
      name: 'Event Grid event that fails',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'Notification' },
      body: JSON.stringify([
        {
          id: 'e2',
          topic: '/t',
          subject: 's',
          eventType: 'Test.Event',
          eventTime: '2026-12-05T00:00:00Z',
          data: { fail: true },
          dataVersion: '1',
          metadataVersion: '1',
        },
      ]),
      key: 'eventGrid',
    },
    {
      name: 'Event Grid without key',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'Notification' },
      body: '[]',
      key: 'none',
    },
    {
      name: 'Event Grid unknown function',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=nope',
      headers: { ...json, 'aeg-event-type': 'Notification' },
      body: '[]',
      key: 'eventGrid',
    },
    {
      name: 'Event Grid GET',
      method: 'GET',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      key: 'eventGrid',
    },
    {
      name: 'Event Grid no function name',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid',
      headers: json,
      body: '[]',
      key: 'eventGrid',
    },
    {
      name: 'Event Grid bad JSON',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: json,
      body: '{',
      key: 'eventGrid',
    },
    {
      name: 'Event Grid empty batch',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'Notification' },
      body: '[]',
      key: 'eventGrid',
    },
    {
      name: 'Event Grid validation without code',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([{ id: 'v2', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: {} }]),
      key: 'eventGrid',
    },
    {
      name: 'CloudEvents event',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify({ specversion: '1.0', id: 'c1', source: '/s', type: 'Test.Cloud', data: { n: 2 } }),
      key: 'eventGrid',
    },
    {
      name: 'CloudEvents event, Notification',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'aeg-event-type': 'Notification' },
      body: JSON.stringify({ specversion: '1.0', id: 'c2', source: '/s', type: 'Test.Cloud', data: { n: 3 } }),
      key: 'eventGrid',
    },
    {
      name: 'CloudEvents batch, Notification',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: {
        'content-type': 'application/cloudevents-batch+json; charset=utf-8',
        'aeg-event-type': 'Notification',
      },
      body: JSON.stringify([{ specversion: '1.0', id: 'c3', source: '/s', type: 'Test.Cloud', data: { n: 4 } }]),
      key: 'eventGrid',
    },
    {
      name: 'Event Grid event without aeg-event-type',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: json,
      body: JSON.stringify([
        {
          id: 'e3',
          topic: '/t',
          subject: 's',
          eventType: 'Test.Event',
          eventTime: '2026-12-05T00:00:00Z',
          data: {},
          dataVersion: '1',
        },
      ]),
      key: 'eventGrid',
    },
    {
      name: 'Event Grid Unsubscribe',
      method: 'POST',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { ...json, 'aeg-event-type': 'Unsubscribe' },
      body: '[]',
      key: 'eventGrid',
    },
    {
      name: 'CloudEvents handshake',
      method: 'OPTIONS',
      path: '/runtime/webhooks/eventgrid?functionName=onEvent',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
      key: 'eventGrid',
    },
  ];

  it('answers every probe as the runtime does, but for the differences kept', async () => {
    const report: string[] = [];
    for (const probe of probes) {
      const [a, b] = [await observe(targets.local, probe), await observe(targets.runtime, probe)];
      const diff = differences(a, b, probe.compareBody);
      const kept = KEPT[probe.name];
      if (kept && diff.length === 0) report.push(`${probe.name}: kept as a difference, but the hosts now agree`);
      if (!kept && diff.length > 0) {
        report.push(`${probe.name} (${probe.method} ${probe.path.slice(0, 60)}): local vs runtime: ${diff.join('; ')}`);
      }
    }
    expect(report).toEqual([]);
  });
});

/** Each host on a fixture app with storage of its own, so that they never take each other's messages. */
async function onBothHosts(
  appName: string,
  prepare: (azurite: TestAzurite) => Promise<void> = async () => undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<{
  hosts: { local: HostProcess; runtime: HostProcess };
  storage: { local: TestAzurite; runtime: TestAzurite };
  stop(): Promise<void>;
}> {
  const [a, b] = await Promise.all([startAzurite(), startAzurite()]);
  await Promise.all([prepare(a), prepare(b)]);
  const app = path.join(FIXTURES, appName);
  const started = await Promise.allSettled([
    startHostProcess(app, { env: { AzureWebJobsStorage: a.connectionString, ...env } }),
    startRuntimeProcess(app, { env: { AzureWebJobsStorage: b.connectionString, ...env } }),
  ]);
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await Promise.all([a.stop(), b.stop()]);
  };
  const [local, runtime] = started;
  if (local?.status !== 'fulfilled' || runtime?.status !== 'fulfilled') {
    await stop();
    throw (
      local?.status === 'rejected' ? local.reason : runtime?.status === 'rejected' ? runtime.reason : undefined
    ) as Error;
  }
  return { hosts: { local: local.value, runtime: runtime.value }, storage: { local: a, runtime: b }, stop };
}

/** What a fixture recorded, without the record's own time, in the order it happened. */
function recorded(host: HostProcess, fn: string): Record<string, unknown>[] {
  return host
    .records()
    .filter((r) => r.fn === fn)
    .map(({ at: _at, ...rest }) => rest);
}

const base64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('differential: local host vs Functions runtime, Storage Queue trigger (queue-app fixture)', () => {
  let both: Awaited<ReturnType<typeof onBothHosts>>;

  beforeAll(async () => {
    both = await onBothHosts('queue-app', async (azurite) => {
      await QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('jobs').create();
    });
  }, 120_000);

  afterAll(() => both?.stop());

  /** Sends the same messages to both hosts' queues and waits until both saw `until` hold. */
  async function sendToBoth(messages: string[]): Promise<Record<'local' | 'runtime', string[]>> {
    const ids = { local: [] as string[], runtime: [] as string[] };
    for (const kind of ['local', 'runtime'] as const) {
      const jobs = QueueServiceClient.fromConnectionString(both.storage[kind].connectionString).getQueueClient('jobs');
      for (const text of messages) ids[kind].push((await jobs.sendMessage(text)).messageId);
    }
    return ids;
  }

  async function poisoned(kind: 'local' | 'runtime'): Promise<string[]> {
    const poison = QueueServiceClient.fromConnectionString(both.storage[kind].connectionString).getQueueClient(
      'jobs-poison',
    );
    if (!(await poison.exists())) return [];
    return (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText);
  }

  it('decodes base64 JSON messages and gives the same message and dequeueCount', async () => {
    const ids = await sendToBoth([base64({ task: 'a', n: 1 }), base64('plain string')]);
    for (const kind of ['local', 'runtime'] as const) {
      await eventually(
        () => both.hosts[kind].records().filter((r) => ids[kind].includes(String(r.id))),
        (r) => r.length === 2,
        30_000,
        `${kind}: both messages`,
      );
    }
    const seen = (kind: 'local' | 'runtime') =>
      recorded(both.hosts[kind], 'worker')
        .filter((r) => ids[kind].includes(String(r.id)))
        .map(({ message, dequeueCount }) => ({ message, dequeueCount }))
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(seen('local')).toEqual(seen('runtime'));
    expect(seen('runtime')).toEqual([
      { message: 'plain string', dequeueCount: 1 },
      { message: { task: 'a', n: 1 }, dequeueCount: 1 },
    ]);
  });

  it('retries a failing message maxDequeueCount times, then moves it to <queue>-poison as it was sent', async () => {
    const payload = base64({ fail: true, marker: 'poison-me' });
    const ids = await sendToBoth([payload]);
    for (const kind of ['local', 'runtime'] as const) {
      await eventually(
        () => poisoned(kind),
        (p) => p.includes(payload),
        60_000,
        `${kind}: the poison message`,
      );
    }
    const attempts = (kind: 'local' | 'runtime') =>
      recorded(both.hosts[kind], 'worker')
        .filter((r) => r.id === ids[kind][0])
        .map((r) => r.dequeueCount);
    expect(attempts('local')).toEqual(attempts('runtime'));
    expect(attempts('runtime')).toEqual([1, 2, 3, 4, 5]);
  });

  it('treats a message that is not base64 the same way', async () => {
    const ids = await sendToBoth(['{not base64!}']);
    for (const kind of ['local', 'runtime'] as const) {
      await eventually(
        () => poisoned(kind),
        (p) => p.includes('{not base64!}'),
        60_000,
        `${kind}: the undecodable message`,
      );
    }
    const runs = (kind: 'local' | 'runtime') => both.hosts[kind].records().filter((r) => r.id === ids[kind][0]).length;
    expect(runs('local')).toBe(runs('runtime'));
  });
});

describe('differential: local host vs Functions runtime, timers (timer-app and monitor-app fixtures)', () => {
  it('runs %SETTING% schedules, runOnStartup and retry policies alike', async () => {
    const both = await onBothHosts('timer-app');
    try {
      for (const kind of ['local', 'runtime'] as const) {
        await eventually(
          () => both.hosts[kind].records(),
          (r) =>
            r.filter((x) => x.fn === 'flaky').length >= 3 &&
            r.some((x) => x.fn === 'startup') &&
            r.filter((x) => x.fn === 'slow' && x.phase === 'end').length >= 1 &&
            r.filter((x) => x.fn === 'tick').length >= 2,
          60_000,
          `${kind}: startup, flaky retries, the slow and the every-second timers`,
        );
      }
      // runOnStartup runs once, not past due; the retry policy reruns with the same retryContext.
      for (const fn of ['startup', 'flaky']) {
        expect(recorded(both.hosts.local, fn)).toEqual(recorded(both.hosts.runtime, fn));
      }
      // A run that outlasts its period is never overlapped by the next one.
      for (const kind of ['local', 'runtime'] as const) {
        const phases = recorded(both.hosts[kind], 'slow').map((r) => r.phase);
        expect(phases.join(',')).not.toMatch(/start,start/);
      }
    } finally {
      await both.stop();
    }
  }, 120_000);

  it('runs an occurrence missed while down once, past due, with the stored schedule status', async () => {
    const missed = new Date(Date.now() - 2 * 3600_000);
    missed.setUTCMinutes(0, 0, 0);
    const both = await onBothHosts('monitor-app', async (azurite) => {
      const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
        'azure-webjobs-hosts',
      );
      await container.createIfNotExists();
      const stored = JSON.stringify({
        Last: new Date(missed.getTime() - 3600_000).toISOString(),
        Next: missed.toISOString(),
        LastUpdated: new Date(missed.getTime() - 3600_000).toISOString(),
      });
      await container
        .getBlockBlobClient('timers/fixture-monitor-app/Host.Functions.hourly/status')
        .upload(stored, Buffer.byteLength(stored));
    });
    try {
      for (const kind of ['local', 'runtime'] as const) {
        await eventually(
          () => recorded(both.hosts[kind], 'hourly'),
          (r) => r.length > 0,
          30_000,
          `${kind}: the past-due run`,
        );
      }
      const shape = (kind: 'local' | 'runtime') =>
        recorded(both.hosts[kind], 'hourly').map((r) => ({
          isPastDue: r.isPastDue,
          next: (r.scheduleStatus as { next?: string } | null)?.next,
          last: (r.scheduleStatus as { last?: string } | null)?.last,
        }));
      expect(shape('local')).toEqual(shape('runtime'));
      expect(shape('runtime')[0]).toMatchObject({ isPastDue: true });
      expect(recorded(both.hosts.local, 'daily')).toEqual(recorded(both.hosts.runtime, 'daily'));
    } finally {
      await both.stop();
    }
  }, 120_000);
});

describe('differential: local host vs Functions runtime, the app itself', () => {
  let azurite: TestAzurite;
  let emulator: TestEmulator;
  let local: HostProcess;
  let runtime: RuntimeProcess;
  let targets: { local: Target; runtime: Target };

  beforeAll(async () => {
    azurite = await startAzurite();
    emulator = await startTestEmulator();
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: emulator.connectionString,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    };
    [local, runtime] = await Promise.all([
      startHostProcess(REPO_ROOT, { env, args: ['--function-key', KEY] }),
      startRuntimeProcess(REPO_ROOT, { env, keys: { function: KEY } }),
    ]);
    targets = {
      local: { url: local.url, keys: { function: KEY, master: KEY, eventGrid: KEY } },
      runtime: { url: runtime.url, keys: runtime.keys },
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([local?.stop(), runtime?.stop()]);
    await emulator?.close();
    await azurite?.stop();
  });

  const json = { 'content-type': 'application/json' };
  const unknownThread = encodeURIComponent('19:0000000000000000000000000000000@thread.v2');
  const probes: Probe[] = [
    // Timings and ids in these bodies differ from call to call; status and headers still count.
    { name: 'health', method: 'GET', path: '/api/health', compareBody: false },
    { name: 'health, wrong method', method: 'POST', path: '/api/health' },
    { name: 'OpenAPI', method: 'GET', path: '/api/openapi.json', key: 'function' },
    {
      name: 'user',
      method: 'POST',
      path: '/api/users',
      headers: json,
      body: '{}',
      key: 'function',
      compareBody: false,
    },
    { name: 'user without key', method: 'POST', path: '/api/users', headers: json, body: '{}', key: 'none' },
    {
      name: 'user, bad lifetime',
      method: 'POST',
      path: '/api/users',
      headers: json,
      body: '{"expiresInMinutes":30}',
      key: 'function',
    },
    {
      name: 'thread, malformed JSON',
      method: 'POST',
      path: '/api/threads',
      headers: json,
      body: '{"topic":',
      key: 'function',
    },
    {
      name: 'thread, wrong content type',
      method: 'POST',
      path: '/api/threads',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
      key: 'function',
    },
    {
      name: 'thread, bad fields',
      method: 'POST',
      path: '/api/threads',
      headers: json,
      body: '{"topic":"","participants":[{"id":"nope"}]}',
      key: 'function',
    },
    {
      name: 'thread, oversize body',
      method: 'POST',
      path: '/api/threads',
      headers: json,
      body: JSON.stringify({ topic: 'x'.repeat(300_000) }),
      key: 'function',
    },
    { name: 'unknown thread, encoded id', method: 'GET', path: `/api/threads/${unknownThread}`, key: 'function' },
    {
      name: 'unknown thread, raw id',
      method: 'GET',
      path: '/api/threads/19:0000000000000000000000000000000@thread.v2',
      key: 'function',
    },
    { name: 'malformed thread id', method: 'GET', path: '/api/threads/not-a-thread', key: 'function' },
    { name: 'threads, wrong method', method: 'GET', path: '/api/threads', key: 'function' },
    {
      name: 'unknown job',
      method: 'GET',
      path: `/api/threads/${unknownThread}/participants/jobs/nope`,
      key: 'function',
    },
    { name: 'unknown schedule', method: 'GET', path: '/api/schedules/sch-nope', key: 'function' },
    {
      name: 'schedule edit without If-Match',
      method: 'PATCH',
      path: '/api/schedules/sch-nope',
      headers: json,
      body: '{}',
      key: 'function',
    },
    {
      name: 'archive of an unknown thread',
      method: 'GET',
      path: `/api/threads/${unknownThread}/archive`,
      key: 'function',
    },
    {
      name: 'archived messages of an unknown thread',
      method: 'GET',
      path: `/api/threads/${unknownThread}/archive/messages`,
      key: 'function',
    },
    { name: 'unmatched route', method: 'GET', path: '/api/nothing-here', key: 'function' },
  ];

  it('answers every probe as the runtime does', async () => {
    const report: string[] = [];
    for (const probe of probes) {
      const [a, b] = [await observe(targets.local, probe), await observe(targets.runtime, probe)];
      const diff = differences(a, b, probe.compareBody);
      if (diff.length > 0)
        report.push(`${probe.name} (${probe.method} ${probe.path.slice(0, 60)}): local vs runtime: ${diff.join('; ')}`);
    }
    expect(report).toEqual([]);
  });
});
