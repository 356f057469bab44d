/**
 * An open inspector page, as the inspector bench needs it: a process of its own (as a browser is) that asks of the
 * emulator what the page asks while it shows one thread: the live stream, and on each batch of events the thread
 * list and the thread's newest messages, on each state change the thread's details, each at most as often as the
 * page does (emulator/src/inspector/page/main.ts: 500 ms, 200 ms, 1000 ms).
 * argv: <inspector URL> <thread id> <ca.pem>. Prints `ready` once live, then `counts <events> <fetches> <resyncs>`
 * whenever they changed (at most every 200 ms).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

const [inspectorUrl, threadId, caPath] = process.argv.slice(2);
if (!inspectorUrl || !threadId || !caPath) {
  console.error('usage: inspector-page <inspector URL> <thread id> <ca.pem>');
  process.exit(2);
}
const ca = readFileSync(caPath);
const agent = new Agent({ keepAlive: true, maxSockets: 6, ca });
const counts = { events: 0, fetches: 0, resyncs: 0 };

/** GET with the session cookie; resolves with the status once the body is read. */
function get(url: URL, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { cookie, accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** A fetch that runs at most once at a time and once per `ms`, however often it is asked for. */
function every(ms: number, url: URL, cookie: string): () => void {
  let running = false;
  let dirty = false;
  let last = 0;
  const run = (): void => {
    if (running || !dirty) return;
    const wait = last + ms - Date.now();
    if (wait > 0) {
      running = true;
      setTimeout(() => ((running = false), run()), wait);
      return;
    }
    dirty = false;
    running = true;
    counts.fetches++;
    void get(url, cookie).finally(() => {
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

/** The browser's first request: the start line's URL exchanges the token for the session cookie. */
function openSession(): Promise<string> {
  return new Promise((resolve, reject) => {
    request(inspectorUrl as string, { ca, headers: { accept: 'text/html' } }, (res) => {
      res.resume();
      const set = res.headers['set-cookie']?.[0] ?? '';
      if (res.statusCode !== 303 || !set) reject(new Error(`inspector session: ${res.statusCode}`));
      else resolve(set.split(';')[0] ?? '');
    })
      .on('error', reject)
      .end();
  });
}

async function main(): Promise<void> {
  const cookie = await openSession();
  const at = (path: string): URL => new URL(path, inspectorUrl);
  const thread = `/inspector/api/threads/${encodeURIComponent(threadId as string)}`;
  const threads = every(500, at('/inspector/api/threads?maxPageSize=25'), cookie);
  const messages = every(200, at(`${thread}/messages?maxPageSize=50`), cookie);
  const detail = every(1000, at(thread), cookie);
  let ready = false;
  request(at('/inspector/api/live'), { agent: false, ca, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`live stream: ${res.statusCode}`);
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
          counts.events += (JSON.parse(data) as unknown[]).length; // the page parses each batch too
          threads();
          messages();
        } else if (event === 'resync') counts.resyncs++;
        else if (event === 'state') {
          detail();
          if (!ready) {
            ready = true;
            process.stdout.write('ready\n');
          }
        }
      }
    });
  }).end();
  let last = '';
  setInterval(() => {
    const line = `counts ${counts.events} ${counts.fetches} ${counts.resyncs}`;
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
  }, 200);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
