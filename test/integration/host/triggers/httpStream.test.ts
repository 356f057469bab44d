/**
 * An app that enabled HTTP streaming (`app.setup({ enableHttpStream: true })`, test/fixtures/stream-app): the host
 * forwards each request to the library's HTTP server in the worker and relays the response as it is written.
 * (Apps without streaming go through RPC data: http.test.ts.)
 */
import { createHash, randomBytes } from 'crypto';
import path from 'path';
import { FIXTURES, startHostProcess, type HostProcess } from '../../../support/hostProcess';
import { eventually } from '../../../support/processes';

const APP = path.join(FIXTURES, 'stream-app');

describe('local host: HTTP streaming (enableHttpStream)', () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(APP);
  });

  afterAll(async () => {
    await host?.stop();
  });

  /** Reads from the body until `text` has arrived; returns what was read. */
  async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
    let got = '';
    while (!got.includes(text)) {
      const step = await reader.read();
      if (step.done) throw new Error(`body ended before "${text}": ${got}`);
      got += Buffer.from(step.value).toString('utf8');
    }
    return got;
  }

  it('sends a response as the function writes it: the first part arrives while the function still runs', async () => {
    const res = await fetch(`${host.url}/api/held/first`);
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('x-ms-invocation-id')).toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    // The function waits for the release below before it writes anything else: this part came on its own.
    let text = await readUntil(reader, 'first part of first\n');
    expect(text).toBe('first part of first\n');
    expect((await fetch(`${host.url}/api/release/first`, { method: 'POST' })).status).toBe(204);
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      text += Buffer.from(step.value).toString('utf8');
    }
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1001);
    expect(lines[1000]).toBe(`line 999 ${'x'.repeat(1000)}`);
  });

  it('streams a request body to the function', async () => {
    const body = randomBytes(12 * 1024 * 1024);
    const res = await fetch(`${host.url}/api/upload`, { method: 'POST', body });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });

  it('passes route params, query, headers, the URL and cookies as without streaming', async () => {
    const res = await fetch(`${host.url}/api/hello/world?q=1&tag=a&tag=b`, { headers: { 'user-agent': 'host-test' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-custom')).toBe('custom-value');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/; HttpOnly');
    expect(await res.json()).toEqual({
      name: 'world',
      q: '1',
      all: ['a', 'b'],
      method: 'GET',
      userAgent: 'host-test',
      url: `${host.url}/api/hello/world?q=1&tag=a&tag=b`,
    });
    const head = await fetch(`${host.url}/api/hello/world`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers a bare 500 when the function fails (the error goes to the log), and 204 when it returns nothing', async () => {
    const failed = await fetch(`${host.url}/api/fails`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('');
    await eventually(
      () => host.output(),
      (out) => /Executed 'Functions\.fails' \(Failed, Id=[0-9a-f-]{36}/.test(out),
      10_000,
      'the failed invocation logged',
    );
    expect((await fetch(`${host.url}/api/nothing`)).status).toBe(204);
  });

  it('lets a client leave in the middle of a response, and goes on serving', async () => {
    const aborted = new AbortController();
    const res = await fetch(`${host.url}/api/held/left`, { signal: aborted.signal });
    await readUntil((res.body as ReadableStream<Uint8Array>).getReader(), 'first part of left\n');
    aborted.abort();
    expect((await fetch(`${host.url}/api/release/left`, { method: 'POST' })).status).toBe(204);
    const again = await fetch(`${host.url}/api/hello/again`);
    expect(((await again.json()) as { name: string }).name).toBe('again');
  });
});
