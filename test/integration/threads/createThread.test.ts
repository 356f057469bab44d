import { createUsers, startAppStack, threadPath, type AppStack } from '../../support/appStack';

async function listAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('POST /api/threads', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates one thread with 230 participants plus the service user, idempotently', async () => {
    const ids = await createUsers(stack, 230);
    const body = { topic: 'Team', participants: ids.map((id, i) => ({ id, displayName: `User ${i}` })) };
    const key = `create-230-${Date.now()}`;
    const first = await stack.api('POST', '/api/threads', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const answer = first.json as { threadId: string; participants: { id: string; status: string }[] };
    expect(answer.participants).toHaveLength(230);
    expect(answer.participants.every((p) => p.status === 'added')).toBe(true);

    // The thread as ACS sees it, through a member's own SDK client.
    const member = await stack.identity.getToken({ communicationUserId: ids[0] as string }, ['chat']);
    const thread = stack.chatAs(member.token).getChatThreadClient(answer.threadId);
    const participants = await listAll(thread.listParticipants());
    expect(participants).toHaveLength(231);
    expect(new Set(participants.map((p) => (p.id as { communicationUserId: string }).communicationUserId)).size).toBe(
      231,
    );
    const messages = await listAll(thread.listMessages());
    const added = messages.filter((m) => m.type === 'participantAdded');
    expect(added).toHaveLength(2); // the create call and the follow-up add
    expect(added.reduce((n, m) => n + (m.content?.participants?.length ?? 0), 0)).toBe(231);

    const again = await stack.api('POST', '/api/threads', body, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect((again.json as { threadId: string }).threadId).toBe(answer.threadId);

    const other = await stack.api('POST', '/api/threads', { ...body, topic: 'Another' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');

    const got = await stack.api('GET', threadPath(answer.threadId));
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ threadId: answer.threadId, topic: 'Team', participantCount: 231 });
  }, 120_000);
  it('replays a 249-participant create whose answer is over 32K characters with its 202 and jobId', async () => {
    const ids = await createUsers(stack, 249);
    const body = { topic: 'Big', participants: ids.map((id, i) => ({ id, displayName: `Participant number ${i}` })) };
    const key = `create-249-${Date.now()}`;
    // The follow-up add fails for now, so the answer is a 202 with a job and every participant listed.
    await stack.admin.addFault({ kind: 'status', operation: 'AddChatParticipants', status: 503 });
    try {
      const first = await stack.api('POST', '/api/threads', body, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(first.text.length).toBeGreaterThan(32 * 1024);
      const again = await stack.api('POST', '/api/threads', body, { 'idempotency-key': key });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json).toEqual(first.json);
    } finally {
      await stack.admin.clearFaults();
    }
  }, 180_000);

  it('POST …/messages with an Idempotency-Key: retried after a 503, posted once; a repeat answers 200', async () => {
    const [memberId] = await createUsers(stack, 1);
    const created = await stack.api('POST', '/api/threads', { topic: 'Keyed', participants: [{ id: memberId }] });
    const { threadId } = created.json as { threadId: string };
    const path = threadPath(threadId, '/messages');
    const key = `send-${Date.now()}`;
    const body = { content: 'exactly once' };
    // The first attempt fails (ACS 503, before posting); the client retries with the same key.
    await stack.admin.addFault({ kind: 'status', operation: 'SendChatMessage', threadId, status: 503, count: 1 });
    const failed = await stack.api('POST', path, body, { 'idempotency-key': key });
    expect(failed.status).toBe(503);
    const first = await stack.api('POST', path, body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await stack.api('POST', path, body, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    const other = await stack.api('POST', path, { content: 'something else' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);

    const member = await stack.identity.getToken({ communicationUserId: memberId as string }, ['chat']);
    const messages = await listAll(stack.chatAs(member.token).getChatThreadClient(threadId).listMessages());
    const posted = messages.filter((m) => m.content?.message === 'exactly once');
    expect(posted.map((m) => m.id)).toEqual([(first.json as { messageId: string }).messageId]);
  }, 60_000);
});
