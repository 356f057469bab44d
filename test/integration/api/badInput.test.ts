import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { REPO_ROOT } from '../../support/processes';

const KEY = 'test-function-key';

interface Problem {
  status: number;
  title: string;
  detail: string;
  errors?: { field: string; rule: string; message: string }[];
}

describe('the HTTP API on bad input', () => {
  let stack: AppStack;
  let threadId: string;
  let member: Awaited<ReturnType<AppStack['newUser']>>;

  beforeAll(async () => {
    stack = await startAppStack({ functionKey: KEY });
    const created = await stack.api('POST', '/api/threads', { topic: 'validation' });
    threadId = (created.json as { threadId: string }).threadId;
    member = await stack.newUser();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** Sends the request and checks a problem+json answer with that status naming that field and rule. */
  async function expectProblem(
    res: Promise<{ status: number; headers: Headers; json: unknown }>,
    status: number,
    field?: string,
    rule?: string | RegExp,
  ): Promise<Problem> {
    const r = await res;
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    const problem = r.json as Problem;
    expect(problem.detail).toEqual(expect.any(String));
    if (field) {
      const match = problem.errors?.find((e) => e.field === field);
      expect({ field, found: match?.field }).toEqual({ field, found: field });
      if (rule) expect(match?.rule).toMatch(rule);
    }
    return problem;
  }

  const uid = (n: number) =>
    `8:acs:11111111-2222-3333-4444-555555555555_${String(n).padStart(8, '0')}-0000-0000-0000-000000000000`;
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) => stack.api('POST', p, body, headers);

  it('refuses requests without the function key (401), but not health', async () => {
    for (const [method, p] of [
      ['POST', '/api/threads'],
      ['GET', threadPath(threadId)],
      ['POST', '/api/users'],
      ['GET', '/api/openapi.json'],
      ['DELETE', threadPath(threadId, `/participants/${encodeURIComponent(uid(1))}`)],
    ] as const) {
      const wrong = await stack.api(method, p, undefined, { 'x-functions-key': 'wrong' });
      expect({ method, p, status: wrong.status }).toEqual({ method, p, status: 401 });
      const none = await fetch(`${stack.host.url}${p}`, { method });
      expect({ method, p, status: none.status }).toEqual({ method, p, status: 401 });
    }
    expect((await stack.api('GET', '/api/health', undefined, { 'x-functions-key': '' })).status).toBe(200);
  });

  it('create thread: malformed JSON, wrong content type, oversize body', async () => {
    await expectProblem(post('/api/threads', '{"topic": '), 400, '(body)', 'json');
    await expectProblem(post('/api/threads', 'topic=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    await expectProblem(post('/api/threads', { topic: 'x', pad: 'y'.repeat(300 * 1024) }), 413);
  });

  it('create thread: each bad field is named with its rule', async () => {
    await expectProblem(post('/api/threads', {}), 400, 'topic', 'required');
    await expectProblem(post('/api/threads', { topic: '   ' }), 400, 'topic', 'minLength:1');
    await expectProblem(post('/api/threads', { topic: 'x'.repeat(257) }), 400, 'topic', 'maxLength:256');
    await expectProblem(post('/api/threads', { topic: 7 }), 400, 'topic', 'type:string');
    await expectProblem(post('/api/threads', { topic: 't', participants: {} }), 400, 'participants', 'type:array');
    await expectProblem(
      post('/api/threads', { topic: 't', participants: [{ id: '8:acs:invalidUserId' }] }),
      400,
      'participants[0].id',
      'format:regex',
    );
    await expectProblem(
      post('/api/threads', { topic: 't', participants: [{}] }),
      400,
      'participants[0].id',
      'required',
    );
    await expectProblem(post('/api/threads', { topic: 't', particpants: [] }), 400, 'particpants', 'unknown');
    await expectProblem(
      post('/api/threads', { topic: 't', participants: [{ id: uid(1), shareHistoryTime: 'yesterday' }] }),
      400,
      'participants[0].shareHistoryTime',
    );
    await expectProblem(
      post('/api/threads', { topic: 't', metadata: { k: 'v'.repeat(1020) } }),
      400,
      'metadata',
      'maxBytes:1024',
    );
    await expectProblem(post('/api/threads', { topic: 't', metadata: { k: 1 } }), 400, 'metadata.k', 'type:string');
    const tooMany = Array.from({ length: 250 }, (_, i) => ({ id: uid(i) }));
    const problem = await expectProblem(
      post('/api/threads', { topic: 't', participants: tooMany }),
      400,
      'participants',
      'maxItems:249',
    );
    expect(problem.detail).toContain('limit of 249');
  });

  it('create thread: duplicates are added once and reported', async () => {
    const a = await stack.identity.createUser();
    const res = await post('/api/threads', {
      topic: 'dups',
      participants: [{ id: a.communicationUserId }, { id: a.communicationUserId }],
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      duplicates: [a.communicationUserId],
      participants: [{ id: a.communicationUserId, status: 'added' }],
    });
  });

  it('create thread: a second request with a key still in flight is 409', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => stack.identity.createUser()));
    await stack.admin.addFault({ kind: 'latency', operation: 'CreateChatThread', latencyMs: 1500, count: 1 });
    const body = { topic: 'slow', participants: users.map((u) => ({ id: u.communicationUserId })) };
    const first = post('/api/threads', body, { 'idempotency-key': 'in-flight' });
    await new Promise((r) => setTimeout(r, 500));
    await expectProblem(
      post('/api/threads', body, { 'idempotency-key': 'in-flight' }),
      409,
      'Idempotency-Key',
      'inFlight',
    );
    expect((await first).status).toBe(201);
  });

  it('bulk add: empty list, malformed thread id in the path, over the room left', async () => {
    await expectProblem(
      post(threadPath(threadId, '/participants'), { participants: [] }),
      400,
      'participants',
      'minItems:1',
    );
    await expectProblem(
      post('/api/threads/not-a-thread/participants', { participants: [{ id: uid(1) }] }),
      400,
      'path.threadId',
    );
    const tooMany = Array.from({ length: 250 }, (_, i) => ({ id: uid(i) }));
    const problem = await expectProblem(
      post(threadPath(threadId, '/participants'), { participants: tooMany }),
      400,
      'participants',
      'maxItems:249',
    );
    expect(problem.detail).toContain('limit 250 per thread');
  });

  it('send message: content, type and metadata rules', async () => {
    const p = threadPath(threadId, '/messages');
    await expectProblem(post(p, {}), 400, 'content', 'required');
    await expectProblem(post(p, { content: '' }), 400, 'content', 'minLength:1');
    await expectProblem(post(p, { content: 'é'.repeat(15_000) }), 400, 'content', 'maxBytes:28672');
    await expectProblem(post(p, { content: 'x', type: 'markdown' }), 400, 'type', 'enum');
    await expectProblem(
      post(p, { content: 'x', metadata: { a: 'b'.repeat(2000) } }),
      400,
      'metadata.a',
      'maxLength:1024',
    );
    const sent = await post(p, { content: 'hello', type: 'html', metadata: { a: 'b' } });
    expect(sent.status).toBe(201);
    expect(sent.json).toEqual({ messageId: expect.any(String) });
  });

  it('users: token lifetime 60..1440 minutes', async () => {
    await expectProblem(post('/api/users', { expiresInMinutes: 30 }), 400, 'expiresInMinutes', 'min:60');
    await expectProblem(post('/api/users', { expiresInMinutes: 2000 }), 400, 'expiresInMinutes', 'max:1440');
    await expectProblem(post('/api/users', { expiresInMinutes: 'soon' }), 400, 'expiresInMinutes', 'type:number');
    const created = await post('/api/users', { expiresInMinutes: 60 });
    expect(created.status).toBe(201);
    const user = created.json as { userId: string; token: string; expiresOn: string };
    expect(user.userId).toMatch(/^8:acs:/);
    const lifetime = Date.parse(user.expiresOn) - Date.now();
    expect(lifetime).toBeGreaterThan(55 * 60_000);
    expect(lifetime).toBeLessThan(61 * 60_000);
    // The token works for chat with the real SDK.
    await stack.chatAs(user.token).createChatThread({ topic: 'mine' });
    expect((await post('/api/users', undefined)).status).toBe(201);
  });

  it('ACS outcomes become clear HTTP errors: 404, 403, 429 with Retry-After', async () => {
    await expectProblem(stack.api('GET', threadPath('19:unknownthreadid0000000000000000000000000000@thread.v2')), 404);
    const theirs = await member.chat.createChatThread({ topic: 'not the app’s' });
    const foreign = theirs.chatThread?.id as string;
    const forbidden = await expectProblem(post(threadPath(foreign, '/messages'), { content: 'hi' }), 403);
    expect(forbidden.detail).toContain('member');
    await stack.admin.addFault({
      kind: 'status',
      operation: 'SendChatMessage',
      status: 429,
      retryAfterSeconds: 7,
      count: 1,
    });
    const throttled = await post(threadPath(threadId, '/messages'), { content: 'hi' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    await expectProblem(stack.api('GET', threadPath(threadId, '/participants/jobs/not-a-uuid')), 400, 'path.jobId');
    await expectProblem(
      stack.api('GET', threadPath(threadId, '/participants/jobs/00000000-0000-4000-8000-000000000000')),
      404,
    );
    await expectProblem(stack.api('DELETE', threadPath(threadId, '/participants/8%3Aacs%3Anope')), 400, 'path.userId');
  });

  it('remove participant and delete thread', async () => {
    const u = await stack.identity.createUser();
    const created = await post('/api/threads', { topic: 'bye', participants: [{ id: u.communicationUserId }] });
    const id = (created.json as { threadId: string }).threadId;
    expect(
      (await stack.api('DELETE', threadPath(id, `/participants/${encodeURIComponent(u.communicationUserId)}`))).status,
    ).toBe(204);
    expect((await stack.api('GET', threadPath(id))).json).toMatchObject({ participantCount: 1 });
    expect((await stack.api('DELETE', threadPath(id))).status).toBe(204);
  });

  it('serves an OpenAPI 3.1 document that validates and lists every HTTP function', async () => {
    const res = await stack.api('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    const result = JSON.parse(
      execFileSync(process.execPath, [path.join(REPO_ROOT, 'test', 'support', 'validateOpenApi.mjs')], {
        input: res.text,
      }).toString(),
    ) as { valid: boolean; errors?: unknown };
    expect(result).toEqual({ valid: true });
    const listed = JSON.parse(
      execFileSync(process.execPath, [
        path.join(REPO_ROOT, 'dist', 'localhost', 'cli.js'),
        '--app-dir',
        REPO_ROOT,
        '--list',
      ]).toString(),
    ) as { functions: { name: string; trigger: string }[] };
    const httpFunctions = listed.functions
      .filter((f) => f.trigger === 'httpTrigger')
      .map((f) => f.name)
      .sort();
    const documented = Object.values(doc.paths)
      .flatMap((item) => Object.values(item).map((op) => op.operationId))
      .sort();
    expect(documented).toEqual(httpFunctions);
  });
});
