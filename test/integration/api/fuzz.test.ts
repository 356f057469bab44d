import { startAppStack, threadPath, type AppStack } from '../../support/appStack';

/** A small seeded generator (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = 3000;

describe(`fuzzing every route (seed ${SEED})`, () => {
  let stack: AppStack;
  let threadId: string;
  let userIds: string[];

  beforeAll(async () => {
    stack = await startAppStack();
    userIds = await Promise.all(
      Array.from({ length: 5 }, async () => (await stack.identity.createUser()).communicationUserId),
    );
    const created = await stack.api('POST', '/api/threads', { topic: 'fuzz', participants: [{ id: userIds[0] }] });
    threadId = (created.json as { threadId: string }).threadId;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it(`answers ${REQUESTS} random requests without a 5xx`, async () => {
    const rand = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const int = (max: number) => Math.floor(rand() * max);
    const str = (): string =>
      pick([
        '',
        ' ',
        'x',
        'ünïcødé ✓',
        '8:acs:invalidUserId',
        '19:x@thread.v2',
        'x'.repeat(int(40_000)),
        '<b>html</b>',
        '\u0000',
        '2026-12-01T10:00:00Z',
        '../../etc/passwd',
        '%00',
        pick(userIds),
      ]);
    const value = (depth = 0): unknown => {
      switch (int(depth > 2 ? 6 : 9)) {
        case 0:
          return null;
        case 1:
          return rand() < 0.5;
        case 2:
          return pick([0, -1, 1.5, 60, 1440, 1e308, -0, 2 ** 53 + 1]);
        case 3:
        case 4:
          return str();
        case 5:
          return undefined;
        case 6:
          return Array.from({ length: int(4) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = int(5); i > 0; i--)
            o[pick(['topic', 'participants', 'id', 'metadata', 'content', 'type', 'x', '__proto__', 'constructor'])] =
              value(depth + 1);
          return o;
        }
      }
    };
    const validBodies = {
      threads: () => ({
        topic: 'fuzzed',
        participants: [{ id: pick(userIds), displayName: 'A' }],
        metadata: { a: 'b' },
      }),
      participants: () => ({ participants: [{ id: pick(userIds) }] }),
      messages: () => ({ content: 'hello', type: 'text', metadata: { k: 'v' } }),
      users: () => ({ expiresInMinutes: 60 }),
    };
    const mutate = (body: Record<string, unknown>): unknown => {
      const keys = Object.keys(body);
      switch (int(4)) {
        case 0:
          body[pick(keys)] = value();
          return body;
        case 1:
          delete body[pick(keys)];
          return body;
        case 2:
          body[pick(['extra', 'topic', 'participants', 'content'])] = value();
          return body;
        default:
          return value();
      }
    };
    const segment = (): string =>
      pick([
        encodeURIComponent(threadId),
        encodeURIComponent(pick(userIds)),
        '19%3Anope%40thread.v2',
        'x',
        '%ZZ',
        '..',
        encodeURIComponent(str().slice(0, 200)),
      ]);
    const request = (): { method: string; path: string; body?: string; contentType?: string } => {
      const kind = pick([
        'threads',
        'participants',
        'messages',
        'users',
        'get',
        'delete',
        'job',
        'remove',
        'random',
      ] as const);
      const body = (name: keyof typeof validBodies): string =>
        rand() < 0.1
          ? pick(['{', 'null', '[]', '"x"', 'not json', '{"topic":'])
          : JSON.stringify(mutate(validBodies[name]()) ?? null);
      const contentType = rand() < 0.1 ? pick(['text/plain', 'application/xml', '']) : 'application/json';
      switch (kind) {
        case 'threads':
          return { method: 'POST', path: '/api/threads', body: body('threads'), contentType };
        case 'participants':
          return {
            method: 'POST',
            path: `/api/threads/${segment()}/participants`,
            body: body('participants'),
            contentType,
          };
        case 'messages':
          return { method: 'POST', path: `/api/threads/${segment()}/messages`, body: body('messages'), contentType };
        case 'users':
          return { method: 'POST', path: '/api/users', body: body('users'), contentType };
        case 'get':
          return { method: 'GET', path: `/api/threads/${segment()}` };
        case 'delete':
          // Never the test's own thread: deleting it would only make later requests 404.
          return { method: 'DELETE', path: `/api/threads/${pick(['19%3Anope%40thread.v2', 'x', '%ZZ'])}` };
        case 'job':
          return {
            method: 'GET',
            path: `/api/threads/${segment()}/participants/jobs/${pick(['00000000-0000-4000-8000-000000000000', 'x', segment()])}`,
          };
        case 'remove':
          return {
            method: 'DELETE',
            path: `/api/threads/${pick(['19%3Anope%40thread.v2', 'x'])}/participants/${segment()}`,
          };
        default:
          return {
            method: pick(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
            path: `/api/${pick(['threads', 'users', 'openapi.json', 'health', 'x'])}/${segment()}`,
            body: body('threads'),
            contentType,
          };
      }
    };

    const requests = Array.from({ length: REQUESTS }, request);
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < requests.length) {
          const r = requests[next++]!;
          const res = await fetch(`${stack.host.url}${r.path}`, {
            method: r.method,
            headers: r.contentType ? { 'content-type': r.contentType } : {},
            ...(r.body !== undefined && r.method !== 'GET' ? { body: r.body } : {}),
          });
          const text = await res.text();
          if (res.status >= 500)
            failures.push(
              `${r.method} ${r.path.slice(0, 120)} ${r.body?.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`,
            );
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(threadPath(threadId)).toContain('%40thread.v2');
  }, 300_000);
});
