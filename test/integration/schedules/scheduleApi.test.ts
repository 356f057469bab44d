import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { inSeconds, threadWithMember, type ThreadWithMember } from '../../support/schedules';

interface Problem {
  status: number;
  detail: string;
  errors?: { field: string; rule: string; message: string }[];
}

const inDays = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString();

/** The last Sunday of the next March still ahead (YYYY-MM-DD). */
function nextSpringForwardInParis(): string {
  for (let year = new Date().getUTCFullYear(); ; year++) {
    const day = new Date(Date.UTC(year, 2, 31));
    day.setUTCDate(31 - day.getUTCDay());
    if (day.getTime() > Date.now() + 86_400_000) return day.toISOString().slice(0, 10);
  }
}

describe('scheduled messages: the API and its rules', () => {
  let stack: AppStack;
  let thread: ThreadWithMember;

  beforeAll(async () => {
    // A dispatcher that never runs during the test: these schedules stay as created.
    stack = await startAppStack({ env: { SCHEDULE_DISPATCH_CRON: '0 0 0 1 1 *' } });
    thread = await threadWithMember(stack);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const create = (body: unknown, threadId = thread.threadId) =>
    stack.api('POST', threadPath(threadId, '/schedules'), body);

  it.each<[string, Record<string, unknown>, string, string]>([
    ['neither sendAt nor cron', { content: 'x' }, 'sendAt', 'oneOf:sendAt,cron'],
    ['both sendAt and cron', { content: 'x', sendAt: inSeconds(60), cron: '0 * * * *' }, 'cron', 'oneOf:sendAt,cron'],
    ['sendAt in the past beyond the grace', { content: 'x', sendAt: inSeconds(-120) }, 'sendAt', 'notPast:30s'],
    ['sendAt more than 366 days ahead', { content: 'x', sendAt: inDays(367) }, 'sendAt', 'maxAhead:366d'],
    ['sendAt not RFC 3339', { content: 'x', sendAt: 'next tuesday' }, 'sendAt', 'format:rfc3339'],
    [
      'local sendAt without timeZone',
      { content: 'x', sendAt: '2030-01-01T09:00:00' },
      'sendAt',
      'localTimeNeedsTimeZone',
    ],
    [
      'an unknown time zone',
      { content: 'x', cron: '0 9 * * *', timeZone: 'Europe/Atlantis' },
      'timeZone',
      'ianaTimeZone',
    ],
    ['cron more often than once a minute', { content: 'x', cron: '*/10 * * * * *' }, 'cron', 'minInterval:60s'],
    ['cron with bad syntax', { content: 'x', cron: '0 0 9 * * 8' }, 'cron', 'cronSyntax'],
    ['cron that never occurs', { content: 'x', cron: '0 0 0 31 2 *' }, 'cron', 'noOccurrence'],
    [
      'maxOccurrences with sendAt',
      { content: 'x', sendAt: inSeconds(60), maxOccurrences: 2 },
      'maxOccurrences',
      'onlyWithCron',
    ],
    ['maxOccurrences 0', { content: 'x', cron: '0 9 * * *', maxOccurrences: 0 }, 'maxOccurrences', 'min:1'],
    [
      'endAt before startAt',
      { content: 'x', cron: '0 9 * * *', startAt: inDays(3), endAt: inDays(2) },
      'endAt',
      'afterStartAt',
    ],
    ['empty content', { content: '', sendAt: inSeconds(60) }, 'content', 'minLength:1'],
    [
      'content over the ACS limit',
      { content: 'x'.repeat(28 * 1024 + 1), sendAt: inSeconds(60) },
      'content',
      'maxBytes:28672',
    ],
    [
      'a reserved metadata key',
      { content: 'x', sendAt: inSeconds(60), metadata: { scheduleId: 'mine' } },
      'metadata.scheduleId',
      'reservedKey',
    ],
    [
      'metadata over 1 KB',
      { content: 'x', sendAt: inSeconds(60), metadata: { k: 'v'.repeat(1100) } },
      'metadata.k',
      'maxLength:1024',
    ],
    ['an unknown field', { content: 'x', sendAt: inSeconds(60), when: 'now' }, 'when', 'unknown'],
  ])('400 for %s, naming the field and the rule', async (_label, body, field, rule) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = res.json as Problem;
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    expect(problem.detail).toContain(field.split('.')[0] as string);
  });

  it('400 for a thread that does not exist', async () => {
    const res = await create(
      { content: 'x', sendAt: inSeconds(60) },
      '19:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@thread.v2',
    );
    expect(res.status).toBe(400);
    expect((res.json as Problem).errors).toEqual([
      expect.objectContaining({ field: 'threadId', rule: 'threadExists' }),
    ]);
  });

  it('400 for a thread the service user is not a member of', async () => {
    const outsider = await stack.newUser();
    const created = await outsider.chat.createChatThread({ topic: 'Without the app' });
    const threadId = created.chatThread?.id as string;
    const res = await create({ content: 'x', sendAt: inSeconds(60) }, threadId);
    expect(res.status).toBe(400);
    expect((res.json as Problem).errors).toEqual([
      expect.objectContaining({ field: 'threadId', rule: 'serviceUserIsMember' }),
    ]);
  });

  it('reads, edits with If-Match (412 when stale, 428 without) and cancels', async () => {
    const created = await create({
      content: 'Stand-up',
      cron: '0 30 9 * * 1-5',
      timeZone: 'Europe/Paris',
      metadata: { team: 'a' },
    });
    expect(created.status).toBe(201);
    const body = created.json as { scheduleId: string; nextRunAt: string; state: string };
    expect(body).toMatchObject({ state: 'active', cron: '0 30 9 * * 1-5', timeZone: 'Europe/Paris' });
    expect(created.headers.get('location')).toBe(`/api/schedules/${body.scheduleId}`);
    // 09:30 in Paris is 07:30 or 08:30 UTC, on a weekday.
    const next = new Date(body.nextRunAt);
    expect([7, 8]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(30);

    const url = `/api/schedules/${body.scheduleId}`;
    const first = await stack.api('GET', url);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);

    const noIfMatch = await stack.api('PATCH', url, { content: 'x' });
    expect(noIfMatch.status).toBe(428);

    const edited = await stack.api('PATCH', url, { cron: '15 8 * * *', metadata: null }, { 'if-match': etag });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ cron: '15 8 * * *', timeZone: 'Europe/Paris' });
    expect(edited.json).not.toHaveProperty('metadata');
    expect(edited.headers.get('etag')).not.toBe(etag);

    const stale = await stack.api('PATCH', url, { content: 'lost update' }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect((await stack.api('GET', url)).json).toMatchObject({ content: 'Stand-up' });

    const bad = await stack.api('PATCH', url, { cron: '* * * * * *' }, { 'if-match': '*' });
    expect(bad.status).toBe(400);
    expect((bad.json as Problem).errors).toEqual([expect.objectContaining({ field: 'cron', rule: 'minInterval:60s' })]);

    const staleCancel = await stack.api('DELETE', url, undefined, { 'if-match': etag });
    expect(staleCancel.status).toBe(412);
    const cancelled = await stack.api('DELETE', url);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ state: 'cancelled' });
    expect(cancelled.json).not.toHaveProperty('nextRunAt');
    expect((await stack.api('DELETE', url)).status).toBe(200);
    const editCancelled = await stack.api('PATCH', url, { content: 'x' }, { 'if-match': '*' });
    expect(editCancelled.status).toBe(409);

    expect((await stack.api('GET', '/api/schedules/sch-0000000000-000000000000000')).status).toBe(404);
    expect((await stack.api('GET', '/api/schedules/nope')).status).toBe(400);
  });

  it('a local sendAt in a time zone is kept and shown back', async () => {
    // The next spring-forward day in Paris (last Sunday of March): 02:30 does not exist, 03:00 CEST is 01:00Z.
    const day = nextSpringForwardInParis();
    const res = await create({ content: 'x', sendAt: `${day}T02:30:00`, timeZone: 'Europe/Paris' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      sendAt: `${day}T01:00:00.000Z`,
      nextRunAt: `${day}T01:00:00.000Z`,
      localSendAt: `${day}T02:30:00`,
      timeZone: 'Europe/Paris',
    });
  });

  it('lists a thread’s schedules a page at a time, in creation order, filtered by state', async () => {
    const own = await threadWithMember(stack, 'Listing');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await create({ content: `n${i}`, sendAt: inDays(1) }, own.threadId);
      ids.push((res.json as { scheduleId: string }).scheduleId);
    }
    await stack.api('DELETE', `/api/schedules/${ids[0]}`);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = `?pageSize=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
      const res = await stack.api('GET', threadPath(own.threadId, `/schedules${q}`));
      expect(res.status).toBe(200);
      const page = res.json as { schedules: { scheduleId: string }[]; continuationToken?: string };
      expect(page.schedules.length).toBeLessThanOrEqual(3);
      seen.push(...page.schedules.map((s) => s.scheduleId));
      token = page.continuationToken;
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(ids);
    const active = await stack.api('GET', threadPath(own.threadId, '/schedules?state=active'));
    expect((active.json as { schedules: unknown[] }).schedules).toHaveLength(6);
    const badToken = await stack.api('GET', threadPath(own.threadId, '/schedules?continuationToken=zzz'));
    expect(badToken.status).toBe(400);
    const badSize = await stack.api('GET', threadPath(own.threadId, '/schedules?pageSize=101'));
    expect(badSize.status).toBe(400);
  });

  it('holds the limit of 100 active schedules per thread exactly, even under concurrent creates', async () => {
    const busy = await threadWithMember(stack, 'Busy');
    const results = await Promise.all(
      Array.from({ length: 110 }, (_, i) => create({ content: `m${i}`, sendAt: inDays(2) }, busy.threadId)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    const refused = results.filter((r) => r.status === 400);
    expect(refused).toHaveLength(10);
    expect((refused[0]?.json as Problem).errors).toEqual([
      expect.objectContaining({ field: 'threadId', rule: 'maxActivePerThread:100' }),
    ]);
    // A cancelled schedule frees its place.
    const one = (results.find((r) => r.status === 201)?.json as { scheduleId: string }).scheduleId;
    await stack.api('DELETE', `/api/schedules/${one}`);
    expect((await create({ content: 'fits again', sendAt: inDays(2) }, busy.threadId)).status).toBe(201);
  }, 120_000);

  it('documents the operations in OpenAPI', async () => {
    const doc = (await stack.api('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/api/threads/{threadId}/schedules'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/schedules/{scheduleId}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
