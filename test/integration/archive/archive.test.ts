/**
 * The history archive end to end: a member fills a thread through the chat SDK, the app archives it through the
 * HTTP trigger and its queue function in the local host, and the read-back is compared field for field with what
 * the SDK lists. Then an incremental run, a thread deleted in ACS, unknown threads and the container's privacy.
 */
import { startAppStack, threadPath, type AppStack } from '../../support/appStack';
import {
  CONTAINER,
  archiveNow,
  blobService,
  createThreadWithMember,
  expectedRecord,
  listAll,
  readBack,
  sendMessages,
  verifyStoredArchive,
  waitForRun,
  type ManifestView,
  type SeededThread,
} from './archiveHelpers';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const chronological = <T extends { sequenceId: string }>(messages: T[]): T[] =>
  [...messages].sort((a, b) => Number(a.sequenceId) - Number(b.sequenceId));

describe('history archive', () => {
  let stack: AppStack;
  let thread: SeededThread;
  let first: ManifestView;

  beforeAll(async () => {
    stack = await startAppStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('archives a 1,000-message thread completely; the read-back equals what the SDK lists', async () => {
    thread = await createThreadWithMember(stack, 'Archive me');
    const other = await stack.newUser();
    await sendMessages(thread, 400, 'first');
    await sleep(1_100); // createdOn has second precision: let the time-window read below cut between seconds
    // System messages in the middle: topic changes, a participant added and removed.
    await thread.member.chat.updateTopic('Archive me, renamed');
    await thread.member.chat.addParticipants({
      participants: [{ id: { communicationUserId: other.id }, displayName: 'Other' }],
    });
    await sendMessages(thread, 600, 'second');
    await sleep(1_100);
    await thread.member.chat.removeParticipant({ communicationUserId: other.id });
    await thread.member.chat.updateTopic('Archive me, final');
    for (const id of thread.sent.slice(100, 120)) {
      await thread.member.chat.updateMessage(id, { content: `edited ${id}`, metadata: { edited: 'yes' } });
    }
    for (const id of thread.sent.slice(200, 210)) await thread.member.chat.deleteMessage(id);

    const runId = await archiveNow(stack, thread.threadId);
    first = await waitForRun(stack, thread.threadId, runId);
    const listed = chronological(await listAll(thread.member.chat));
    expect(listed.filter((m) => m.type === 'text' || m.type === 'html')).toHaveLength(1000);
    expect(listed.filter((m) => m.editedOn)).toHaveLength(20);
    expect(listed.filter((m) => m.deletedOn)).toHaveLength(10);

    expect(first.lastRun).toMatchObject({ state: 'succeeded', newMessages: listed.length, changes: 0 });
    expect(first.counts).toMatchObject({ messages: listed.length, records: listed.length, deletions: 10 });
    expect(first.coverage).toEqual([[1, Number(listed[listed.length - 1]?.sequenceId)]]);
    expect(first.watermark).toEqual(
      expect.objectContaining({ sequenceId: Number(listed[listed.length - 1]?.sequenceId) }),
    );
    expect(first.thread?.topic).toBe('Archive me, final');
    expect(first.thread?.participants).toHaveLength(2);
    expect(first.firstMessageOn).toBe(listed[0]?.createdOn.toISOString());

    const everything = await readBack(stack, thread.threadId, '?includeSystem=true');
    expect(everything).toEqual(listed.map(expectedRecord));
    // Compressed for clients that accept gzip (fetch does), plain otherwise: the same lines.
    const gz = await stack.api('GET', threadPath(thread.threadId, '/archive/messages?includeSystem=true'));
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await stack.api(
      'GET',
      threadPath(thread.threadId, '/archive/messages?includeSystem=true'),
      undefined,
      {
        'accept-encoding': 'identity',
      },
    );
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.text).toBe(gz.text);
    const userOnly = await readBack(stack, thread.threadId);
    expect(userOnly).toEqual(listed.filter((m) => m.type === 'text' || m.type === 'html').map(expectedRecord));

    // A time window: from inclusive, to exclusive, on createdOn.
    const seconds = [...new Set(listed.map((m) => m.createdOn.toISOString()))].sort();
    expect(seconds.length).toBeGreaterThanOrEqual(3);
    const from = seconds[1] ?? '';
    const to = seconds[seconds.length - 1] ?? '';
    const window = await readBack(
      stack,
      thread.threadId,
      `?includeSystem=true&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    expect(window).toEqual(
      listed.filter((m) => m.createdOn.toISOString() >= from && m.createdOn.toISOString() < to).map(expectedRecord),
    );
    await verifyStoredArchive(stack, thread.threadId);
  }, 300_000);

  it('a second run adds exactly 200 new messages, 5 edits and 5 deletions, nothing twice', async () => {
    const before = await verifyStoredArchive(stack, thread.threadId);
    const older = thread.sent.slice(0, 1000);
    await sendMessages(thread, 200, 'third');
    for (const id of older.slice(500, 505)) await thread.member.chat.updateMessage(id, { content: `late edit ${id}` });
    for (const id of older.slice(600, 605)) await thread.member.chat.deleteMessage(id);

    const runId = await archiveNow(stack, thread.threadId);
    const second = await waitForRun(stack, thread.threadId, runId);
    expect(second.lastRun).toMatchObject({ state: 'succeeded', newMessages: 200, changes: 10, records: 210 });
    expect(second.counts.records).toBe(first.counts.records + 210);
    expect(second.counts.messages).toBe(first.counts.messages + 200);
    expect(second.counts.deletions).toBe(first.counts.deletions + 5);

    const listed = chronological(await listAll(thread.member.chat));
    expect(await readBack(stack, thread.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));

    // Every version: the first run's records, then exactly the 210 new ones; an edited or deleted message shows
    // its earlier version first.
    const after = await verifyStoredArchive(stack, thread.threadId);
    expect(after).toHaveLength(before.length + 210);
    const all = await readBack(stack, thread.threadId, '?includeSystem=true&versions=all');
    expect(all).toHaveLength(after.length);
    const editedId = older[500] as string;
    const versions = all.filter((r) => r.id === editedId);
    expect(versions.map((v) => (v.content as { message?: string }).message)).toEqual([
      expect.stringContaining('second'),
      `late edit ${editedId}`,
    ]);
    const deletedId = older[600] as string;
    const deleted = all.filter((r) => r.id === deletedId);
    expect(deleted).toHaveLength(2);
    expect(deleted[0]?.deletedOn).toBeUndefined();
    expect(deleted[1]?.deletedOn).toEqual(expect.any(String));

    // A third run with nothing new writes nothing.
    const idle = await waitForRun(stack, thread.threadId, await archiveNow(stack, thread.threadId));
    expect(idle.lastRun).toMatchObject({ state: 'succeeded', newMessages: 0, changes: 0, records: 0 });
    expect(idle.counts.records).toBe(second.counts.records);
  }, 300_000);

  it('streams the read-back: chunked, no length up front, every line right', async () => {
    const res = await stack.api('GET', threadPath(thread.threadId, '/archive/messages?includeSystem=true'), undefined, {
      'accept-encoding': 'identity',
    });
    expect(res.status).toBe(200);
    // The host passes the body on as the function writes it (enableHttpStream), instead of collecting it first.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    const lines = res.text.split('\n').filter((l) => l !== '');
    const listed = chronological(await listAll(thread.member.chat));
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(listed.map(expectedRecord));
  }, 120_000);

  it('keeps the archive of a thread deleted in ACS', async () => {
    const gone = await createThreadWithMember(stack, 'Soon gone');
    await sendMessages(gone, 50, 'gone');
    const archived = await waitForRun(stack, gone.threadId, await archiveNow(stack, gone.threadId));
    expect(archived.lastRun?.state).toBe('succeeded');
    const listed = chronological(await listAll(gone.member.chat));

    expect((await stack.api('DELETE', threadPath(gone.threadId))).status).toBe(204);
    const again = await stack.api('POST', threadPath(gone.threadId, '/archive'));
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    const kept = await stack.api('GET', threadPath(gone.threadId, '/archive'));
    expect(kept.status).toBe(200);
    expect((kept.json as ManifestView).counts.records).toBe(listed.length);
    expect(await readBack(stack, gone.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
  }, 120_000);

  it('answers 404 for a thread it does not know and 400 for a malformed id or query', async () => {
    const unknown = '19:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG@thread.v2';
    for (const [method, rest] of [
      ['POST', '/archive'],
      ['GET', '/archive'],
      ['GET', '/archive/messages'],
    ] as const) {
      const res = await stack.api(method, threadPath(unknown, rest));
      expect({ method, rest, status: res.status }).toEqual({ method, rest, status: 404 });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const bad = await stack.api('POST', threadPath('not-a-thread', '/archive'));
    expect(bad.status).toBe(400);
    const query = await stack.api(
      'GET',
      threadPath(thread.threadId, '/archive/messages?versions=some&from=yesterday&to=2020-01-01T00:00:00Z'),
    );
    expect(query.status).toBe(400);
    const fields = (query.json as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['query.from', 'query.versions']);
    const reversed = await stack.api(
      'GET',
      threadPath(thread.threadId, '/archive/messages?from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'),
    );
    expect(reversed.status).toBe(400);
    expect((reversed.json as { errors: { field: string; rule: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'query.to', rule: 'after:from' }),
    ]);
  });

  it('keeps the container private: anonymous reads are refused', async () => {
    const container = blobService(stack).getContainerClient(CONTAINER);
    const policy = await container.getAccessPolicy();
    expect(policy.blobPublicAccess).toBeUndefined();
    const base = `${stack.azurite.blobEndpoint}/${CONTAINER}`;
    const manifestUrl = `${base}/${encodeURIComponent(thread.threadId)}/manifest.json`;
    for (const url of [manifestUrl, `${base}?restype=container&comp=list`]) {
      const res = await fetch(url);
      expect({ url, refused: res.status >= 400 && res.status < 500 }).toEqual({ url, refused: true });
    }
    // The same blob is there for the account key.
    expect(await container.getBlockBlobClient(`${thread.threadId}/manifest.json`).exists()).toBe(true);
  });
});
