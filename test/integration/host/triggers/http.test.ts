import path from 'path';
import { FIXTURES, startHostProcess, type HostProcess } from '../../../support/hostProcess';
import { eventually } from '../../../support/processes';

const APP = path.join(FIXTURES, 'http-app');

describe('local host: HTTP triggers over real HTTP', () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(APP, { env: { PRESET_BY_ENV: 'from the environment' } });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('prints the function list with routes and trigger kinds', () => {
    const out = host.output();
    expect(out).toContain(`hello: [GET] ${host.url}/api/hello/{name}`);
    expect(out).toContain(`onEvent: eventGridTrigger (${host.url}/runtime/webhooks/eventgrid?functionName=onEvent)`);
    expect(out).toContain('manual: manualTrigger');
  });

  it('puts a function whose route is under a reserved prefix in error, and serves the others', async () => {
    expect(host.output()).toContain(
      "The 'reserved' function is in error: The specified route conflicts with one or more built in routes.",
    );
    expect(host.output()).not.toContain('reserved: [GET]');
    expect((await fetch(`${host.url}/api/administration/tools`)).status).toBe(404);
  });

  it('round-trips route params, query, headers and settings', async () => {
    const res = await fetch(`${host.url}/api/hello/world?q=1&tag=a&tag=b`, { headers: { 'user-agent': 'host-test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-custom')).toBe('custom-value');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      name: 'world',
      q: '1',
      // The runtime hands the worker a query map: a name given twice holds its values joined with a comma.
      all: ['a,b'],
      method: 'GET',
      userAgent: 'host-test',
      url: `${host.url}/api/hello/world?q=1&tag=a&tag=b`,
      // local.settings.json values reach the app before its code loads, without overriding the environment.
      greetingAtLoad: 'hello from local.settings.json',
      presetByEnv: 'from the environment',
    });
  });

  it('round-trips JSON bodies, status, headers and cookies', async () => {
    const res = await fetch(`${host.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world', n: [1, 2] }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/echo/1');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/; HttpOnly; SameSite=Lax');
    expect(await res.json()).toEqual({ received: { hello: 'world', n: [1, 2] }, contentType: 'application/json' });
  });

  it('passes binary bodies through as bytes', async () => {
    const res = await fetch(`${host.url}/api/bytes`, { method: 'POST', body: Buffer.from([0, 1, 2, 255]) });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([255, 2, 1, 0]));
  });

  it('matches route templates in function-name order (no literal precedence): constraints, catch-all, optional, case', async () => {
    const get = async (p: string): Promise<unknown> => (await fetch(`${host.url}${p}`)).json();
    expect(await get('/api/items/42')).toEqual({ kind: 'byId', id: '42' });
    // itemBySlug sorts before itemNew, and the runtime takes the first match.
    expect(await get('/api/items/new')).toEqual({ kind: 'slug', slug: 'new' });
    expect(await get('/api/items/abc')).toEqual({ kind: 'slug', slug: 'abc' });
    expect(await get('/API/Items/New')).toEqual({ kind: 'slug', slug: 'New' });
    expect(await get('/api/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
    expect(await get('/api/files')).toEqual({ path: null });
    expect(await get('/api/opt')).toEqual({ id: null });
    expect(await get('/api/opt/7')).toEqual({ id: '7' });
    expect(await get('/api/items/with%20space')).toEqual({ kind: 'slug', slug: 'with space' });
  });

  it('uses the function name as the default route with GET and POST', async () => {
    const res = await fetch(`${host.url}/api/defaultRoute`, { method: 'POST' });
    expect(await res.text()).toBe('default route via POST');
  });

  it('answers a wrong method and no route alike with a bare 404, as the runtime does', async () => {
    const wrong = await fetch(`${host.url}/api/items/42`, { method: 'POST' });
    expect(wrong.status).toBe(404);
    expect(wrong.headers.get('allow')).toBeNull();
    expect(await wrong.text()).toBe('');
    expect((await fetch(`${host.url}/api/nope`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/hello`)).status).toBe(404);
    expect((await fetch(`${host.url}/other/hello/x`)).status).toBe(404);
  });

  it('turns a thrown error into a bare 500, logging it with the invocation id', async () => {
    const res = await fetch(`${host.url}/api/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
    const logged = await eventually(
      () => /Functions\.boom \(Id=([0-9a-f-]{36})\) error: Error: secret internal detail/.exec(host.output()),
      (m) => m !== null,
      5000,
      'the error log line',
    );
    expect(host.output()).toContain(`Executed 'Functions.boom' (Failed, Id=${logged?.[1]}, Duration=`);
  });

  it('answers 204 when the handler returns nothing', async () => {
    const res = await fetch(`${host.url}/api/nothing`);
    expect(res.status).toBe(204);
  });

  it('runs preInvocation and postInvocation hooks around the handler', async () => {
    const wrapped = await fetch(`${host.url}/api/hooked`);
    expect(wrapped.headers.get('x-wrapped')).toBe('yes');
    expect(await wrapped.text()).toBe('inner');
    const recovered = await fetch(`${host.url}/api/recovered`);
    expect(recovered.status).toBe(299);
    expect(await recovered.text()).toBe('recovered by hook');
  });

  it('logs each invocation with name, id, outcome and duration, and ctx.log lines', async () => {
    await fetch(`${host.url}/api/hello/logs`);
    await eventually(
      () => host.output(),
      (out) => /Executed 'Functions\.hello' \(Succeeded, Id=[0-9a-f-]{36}, Duration=\d+ms\)/.test(out),
      5000,
      'the invocation log line',
    );
    expect(host.output()).toContain('Functions.hello: saying hello');
  });

  it('does not enforce keys when none is configured (like Core Tools)', async () => {
    expect((await fetch(`${host.url}/api/secure`)).status).toBe(200);
    expect((await fetch(`${host.url}/api/ops-only`)).status).toBe(200);
  });

  it('runs a non-HTTP function through POST /admin/functions/{name}', async () => {
    const res = await fetch(`${host.url}/admin/functions/manual`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'run now' }),
    });
    expect(res.status).toBe(202);
    await eventually(
      host.records,
      (r) => r.some((x) => x.fn === 'manual' && x.input === 'run now'),
      5000,
      'manual run',
    );
    expect((await fetch(`${host.url}/admin/functions/missing`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${host.url}/admin/functions/hello`, { method: 'POST' })).status).toBe(400);
    const bad = await fetch(`${host.url}/admin/functions/manual`, { method: 'POST', body: '{"input": 5}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('');
  });

  it('delivers Event Grid events one invocation per event and answers the validation handshake', async () => {
    const webhook = `${host.url}/runtime/webhooks/eventgrid?functionName=onEvent`;
    const validation = await fetch(webhook, {
      method: 'POST',
      headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          id: 'v1',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          subject: '',
          data: { validationCode: 'CODE-123' },
          dataVersion: '1',
          eventTime: new Date().toISOString(),
        },
      ]),
    });
    expect(validation.status).toBe(200);
    // As the runtime's extension answers: the JSON as text/plain.
    expect(validation.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(JSON.parse(await validation.text())).toEqual({ validationResponse: 'CODE-123' });

    const events = ['e1', 'e2', 'e3'].map((id) => ({
      id,
      eventType: 'Microsoft.Communication.ChatMessageReceivedInThread',
      subject: 'thread/1',
      data: { messageBody: id },
      dataVersion: '1.0',
      eventTime: new Date().toISOString(),
    }));
    const res = await fetch(webhook, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(202);
    const seen = await eventually(
      host.records,
      (r) => r.filter((x) => x.fn === 'onEvent' && String(x.id).startsWith('e')).length === 3,
      5000,
      'three events',
    );
    expect(seen.filter((x) => x.fn === 'onEvent').map((x) => x.id)).toEqual(['e1', 'e2', 'e3']);

    const failing = await fetch(webhook, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification' },
      body: JSON.stringify([
        { id: 'f1', eventType: 'X', subject: 's', data: { fail: true }, dataVersion: '1', eventTime: '' },
      ]),
    });
    expect(failing.status).toBe(500);
    expect(await failing.text()).toBe('Exception while executing function: Functions.onEvent');
    // Without aeg-event-type the delivery is refused, as by the runtime.
    expect((await fetch(webhook, { method: 'POST', body: '[]' })).status).toBe(400);
    expect(
      (await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=hello`, { method: 'POST', body: '[]' })).status,
    ).toBe(404);
    expect((await fetch(`${host.url}/runtime/webhooks/eventgrid`, { method: 'POST', body: '[]' })).status).toBe(404);
    expect((await fetch(webhook, { method: 'POST', body: 'not json' })).status).toBe(400);
  });

  it('ran the appStart hook before serving', () => {
    expect(host.records()[0]).toMatchObject({ hook: 'appStart' });
  });
});

describe('local host: key enforcement', () => {
  let host: HostProcess;
  const KEY = 'test-function-key-0123456789';

  beforeAll(async () => {
    host = await startHostProcess(APP, { args: ['--function-key', KEY] });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('rejects function-level routes without a key or with a wrong key (401)', async () => {
    expect((await fetch(`${host.url}/api/secure`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/secure`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(`${host.url}/api/secure?code=wrong`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/ops-only`)).status).toBe(401);
    expect((await fetch(`${host.url}/admin/functions/manual`, { method: 'POST' })).status).toBe(401);
  });

  it('accepts the key in x-functions-key or ?code=', async () => {
    expect((await fetch(`${host.url}/api/secure`, { headers: { 'x-functions-key': KEY } })).status).toBe(200);
    expect((await fetch(`${host.url}/api/secure?code=${KEY}`)).status).toBe(200);
    expect((await fetch(`${host.url}/api/ops-only?code=${KEY}`)).status).toBe(200);
  });

  it('never asks anonymous routes for a key', async () => {
    expect((await fetch(`${host.url}/api/hello/anon`)).status).toBe(200);
  });

  it('does not print the key', () => {
    expect(host.output()).not.toContain(KEY);
  });
});

describe('local host: shutdown', () => {
  it('runs appTerminate hooks on SIGTERM and exits 0', async () => {
    const host = await startHostProcess(APP);
    try {
      const exited = new Promise<number | null>((resolve) => host.child.once('exit', (code) => resolve(code)));
      host.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(
        host
          .records()
          .map((r) => r.hook)
          .filter(Boolean),
      ).toEqual(['appStart', 'appTerminate']);
    } finally {
      await host.stop();
    }
  });
});
