/**
 * Differential conformance: the same requests to the local host and to the genuine Azure Functions runtime, on the
 * same app, and what comes back compared. The runtime is the referee: a difference is fixed in localhost/, or kept
 * below with its reason (and listed in localhost/README.md).
 */
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
