import type { ChatClient } from '@azure/communication-chat';
import type { CommunicationIdentityClient } from '@azure/communication-identity';
import type {
  ChatEventView,
  CreatedUser,
  MessageView,
  Overview,
  PageOf,
  Problem,
  ThreadDetail,
  ThreadSummary,
} from '../src/inspector/views';
import { Admin } from './support/admin';
import { cliFixture, spawnCli, stop } from './support/cli';
import { all, chatClient, identityClient, newUser, type TestUser } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import { connectLive, inspectorRequest, openSession, type Credentials } from './support/inspector';

// The web inspector's HTTP surface (src/inspector): who gets in (token -> session cookie, or the admin key), the
// REST API left as it was, and what the data endpoints answer. The page itself is driven in inspector.browser.test.ts.

const API = '/inspector/api';

let emu: TestEmulator;
let admin: Admin;
let identity: CommunicationIdentityClient;
let cookie: string;
const fixture = cliFixture('acs-emu-inspector-');

beforeAll(async () => {
  emu = await startTestEmulator();
  admin = new Admin(emu);
  identity = identityClient(emu);
  cookie = (await openSession(emu)).cookie;
});

afterAll(async () => {
  await emu?.close();
});

function threadApi(id: string, rest = ''): string {
  return `${API}/threads/${encodeURIComponent(id)}${rest}`;
}

async function getAs<T>(path: string, auth: Credentials = { cookie }): Promise<T> {
  const res = await inspectorRequest(emu, 'GET', path, auth);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
  return res.json as T;
}

async function threadWith(
  topic: string,
  members: TestUser[] = [],
): Promise<{ creator: TestUser; chat: ChatClient; id: string }> {
  const creator = await newUser(identity);
  const chat = chatClient(emu, creator.token);
  const created = await chat.createChatThread(
    { topic },
    {
      participants: [
        { id: creator.user, displayName: 'Creator' },
        ...members.map((m, i) => ({ id: m.user, displayName: `Member ${i + 1}` })),
      ],
    },
  );
  return { creator, chat, id: created.chatThread?.id ?? '' };
}

describe('who may open the inspector', () => {
  it('prints the inspector URL as a fourth start line, after the three that tools parse', async () => {
    const cli = fixture.track(await spawnCli(['--port', '0', '--silent']));
    await new Promise((r) => setTimeout(r, 100));
    const origin = cli.endpoint.replace(/\/$/, '');
    expect(cli.output[3]).toMatch(new RegExp(`^Inspector: ${origin.replace(/[.]/g, '\\.')}/\\?token=[0-9a-f]{48}$`));
    expect(await stop(cli.child)).toBe(0);
    expect(emu.inspectorUrl).toMatch(new RegExp(`^${emu.endpoint.replace(/[.]/g, '\\.')}\\?token=[0-9a-f]{48}$`));
  });

  it('turns the token into an HttpOnly, Secure, SameSite=Strict session cookie and drops the token from the URL', async () => {
    const { res, cookie: fresh } = await openSession(emu);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^acs-inspector-\d+=[\w-]{32}; /);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) expect(setCookie).toContain(attribute);
    const page = await inspectorRequest(emu, 'GET', '/', { cookie: fresh }, undefined, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/inspector/assets/main.js">');
    const script = await inspectorRequest(emu, 'GET', '/inspector/assets/main.js', { cookie: fresh });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('refuses the page without a session (401) and with a wrong token (403)', async () => {
    const bare = await inspectorRequest(emu, 'GET', '/', {}, undefined, { accept: 'text/html' });
    expect(bare.status).toBe(401);
    expect(bare.text).toContain('Inspector: https://…/?token=…');
    const forged = await inspectorRequest(emu, 'GET', '/', { cookie: `${cookie.split('=')[0]}=made-up` }, undefined, {
      accept: 'text/html',
    });
    expect(forged.status).toBe(401);
    const wrong = await openSession(emu, emu.inspectorUrl.replace(/token=.*/, `token=${'0'.repeat(48)}`));
    expect(wrong.res.status).toBe(403);
    expect(wrong.res.headers['set-cookie']).toBeUndefined();
    for (const asset of ['/inspector/assets/main.js', '/inspector/assets/inspector.css']) {
      expect((await inspectorRequest(emu, 'GET', asset, {})).status).toBe(401);
    }
  });

  it('refuses every data endpoint without the session or the admin key (401 problem+json)', async () => {
    const calls: [string, string, object?][] = [
      ['GET', `${API}/overview`],
      ['GET', `${API}/threads`],
      ['GET', threadApi('19:x@thread.v2')],
      ['GET', threadApi('19:x@thread.v2', '/messages')],
      ['POST', threadApi('19:x@thread.v2', '/messages'), { senderId: 'x', content: 'hi' }],
      ['POST', `${API}/users`, {}],
      ['POST', `${API}/faults`, { kind: 'status', status: 503 }],
      ['DELETE', `${API}/faults`],
      ['PUT', `${API}/throttling`, { enabled: true }],
      ['GET', `${API}/live`],
    ];
    for (const [method, path, body] of calls) {
      for (const auth of [{}, { key: Buffer.from('not the key').toString('base64') }] as Credentials[]) {
        const res = await inspectorRequest(emu, method, path, auth, body);
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers['content-type']).toBe('application/problem+json');
        expect((res.json as Problem).detail).toContain('x-emulator-key');
      }
    }
    expect((await admin.state()).faults).toEqual([]); // nothing refused had an effect
  });

  it('takes the admin key (x-emulator-key) as well as the session on the data endpoints', async () => {
    const byKey = await getAs<Overview>(`${API}/overview`, { key: emu.accessKey });
    const bySession = await getAs<Overview>(`${API}/overview`);
    expect(byKey.resourceId).toBe(bySession.resourceId);
    const live = await connectLive(emu, { key: emu.accessKey });
    expect(live.status).toBe(200);
    live.close();
  });

  it('refuses changes made with the session cookie from another origin (403)', async () => {
    const res = await inspectorRequest(
      emu,
      'POST',
      `${API}/faults`,
      { cookie },
      { kind: 'status', status: 503 },
      {
        origin: 'https://elsewhere.example',
      },
    );
    expect(res.status).toBe(403);
    expect((await admin.state()).faults).toEqual([]);
  });

  it('leaves the REST API as it was: GET / without Accept: text/html is still the API 404', async () => {
    const res = await inspectorRequest(emu, 'GET', '/', {});
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      CommunicationError: { Code: 'NotFound', Message: 'No such resource: GET /', Details: [] },
    });
  });
});

describe('what the data endpoints show', () => {
  it('lists every thread newest first, paged like the API, deleted ones marked, with members and last message', async () => {
    const member = await newUser(identity);
    const made: Awaited<ReturnType<typeof threadWith>>[] = [];
    for (let i = 0; i < 5; i++) made.push(await threadWith(`paging ${i}`, [member]));
    const [, , , fourth, last] = made;
    if (!fourth || !last) throw new Error('threads missing');
    await last.chat
      .getChatThreadClient(last.id)
      .sendMessage({ content: 'latest words' }, { senderDisplayName: 'Creator' });
    await fourth.chat.deleteChatThread(fourth.id);

    const seen: ThreadSummary[] = [];
    let link: string | undefined = `${API}/threads?maxPageSize=2`;
    let pages = 0;
    while (link && seen.length < 5) {
      const page: PageOf<ThreadSummary> = await getAs<PageOf<ThreadSummary>>(link);
      expect(page.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.value);
      link = page.nextLink;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((t) => t.id)).toEqual(made.map((t) => t.id).reverse());
    const [newest, deleted] = seen;
    expect(newest?.lastMessage).toMatchObject({ type: 'text', content: 'latest words', senderDisplayName: 'Creator' });
    expect(newest?.memberCount).toBe(2);
    expect(newest?.members.map((m) => m.displayName)).toEqual(['Creator', 'Member 1']);
    expect(deleted?.deletedOn).toEqual(expect.any(String));
    expect(seen.filter((t) => t.deletedOn)).toHaveLength(1);

    const bad = await inspectorRequest(emu, 'GET', `${API}/threads?maxPageSize=0`, { cookie });
    expect(bad.status).toBe(400);
    expect((bad.json as Problem).field).toBe('maxPageSize');
  });

  it("shows a thread's messages as stored: system messages, edits, deletions with their content, metadata", async () => {
    const member = await newUser(identity);
    const { chat, id } = await threadWith('history', [member]);
    const thread = chat.getChatThreadClient(id);
    const kept = await thread.sendMessage({ content: 'original' }, { metadata: { tag: 'a' } });
    await thread.updateMessage(kept.id, { content: 'edited text' });
    const gone = await thread.sendMessage({ content: 'secret slip' });
    await thread.deleteMessage(gone.id);
    await thread.updateTopic('history, renamed');
    await thread.removeParticipant(member.user);
    const memberThread = chatClient(emu, member.token).getChatThreadClient(id);
    await expect(memberThread.sendMessage({ content: 'after removal' })).rejects.toMatchObject({ statusCode: 403 });
    await thread.sendReadReceipt({ chatMessageId: kept.id });

    const messages: MessageView[] = [];
    let link: string | undefined = `${threadApi(id, '/messages')}?maxPageSize=3`;
    while (link) {
      const page: PageOf<MessageView> = await getAs<PageOf<MessageView>>(link);
      messages.push(...page.value);
      link = page.nextLink;
    }
    // newest first by sequenceId, as the API lists them
    expect(messages.map((m) => m.sequenceId)).toEqual([...messages.map((m) => m.sequenceId)].sort((a, b) => b - a));
    const byType = (type: string): MessageView[] => messages.filter((m) => m.type === type);
    expect(byType('participantAdded')).toHaveLength(1);
    expect(byType('participantRemoved')[0]?.participants?.[0]?.id).toBe(member.id);
    expect(byType('topicUpdated').map((m) => m.content)).toEqual(['history, renamed', 'history']);
    const edited = messages.find((m) => m.id === kept.id);
    expect(edited).toMatchObject({ content: 'edited text', metadata: { tag: 'a' }, editedOn: expect.any(String) });
    const deleted = messages.find((m) => m.id === gone.id);
    expect(deleted).toMatchObject({ content: 'secret slip', deletedOn: expect.any(String) });

    const detail = await getAs<ThreadDetail>(threadApi(id));
    expect(detail).toMatchObject({ topic: 'history, renamed', messageCount: messages.length });
    expect(detail.participants.map((p) => p.displayName)).toEqual(['Creator']);
    expect(detail.former.map((f) => f.id)).toEqual([member.id]);
    expect(detail.receipts).toEqual([{ userId: detail.createdBy, messageId: kept.id, readOn: expect.any(String) }]);

    const unknown = await inspectorRequest(emu, 'GET', threadApi('19:nothing@thread.v2'), { cookie });
    expect(unknown.status).toBe(404);
  });

  it('posts as a member (listed by the SDK), refuses a non-member (403) and bad input (400 naming the field)', async () => {
    const member = await newUser(identity);
    const outsider = await newUser(identity);
    const { id } = await threadWith('posting', [member]);
    const sent = await inspectorRequest(
      emu,
      'POST',
      threadApi(id, '/messages'),
      { cookie },
      {
        senderId: member.id,
        content: 'typed on the page',
        metadata: { via: 'inspector' },
      },
    );
    expect(sent.status).toBe(201);
    const listed = await all(chatClient(emu, member.token).getChatThreadClient(id).listMessages());
    expect(listed.find((m) => m.id === (sent.json as { id: string }).id)).toMatchObject({
      content: { message: 'typed on the page' },
      senderDisplayName: 'Member 1',
      metadata: { via: 'inspector' },
    });

    const notMember = await inspectorRequest(
      emu,
      'POST',
      threadApi(id, '/messages'),
      { cookie },
      {
        senderId: outsider.id,
        content: 'let me in',
      },
    );
    expect(notMember.status).toBe(403);
    expect(notMember.headers['content-type']).toBe('application/problem+json');
    const empty = await inspectorRequest(emu, 'POST', threadApi(id, '/messages'), { cookie }, { senderId: member.id });
    expect([empty.status, (empty.json as Problem).field]).toEqual([400, 'content']);
    const big = await inspectorRequest(
      emu,
      'POST',
      threadApi(id, '/messages'),
      { cookie },
      {
        senderId: member.id,
        content: 'x'.repeat(28 * 1024 + 1),
      },
    );
    expect(big.status).toBe(400);
    expect((big.json as Problem).detail).toContain('28672 bytes');
  });

  it('creates a user and adds them to a thread under a display name, as the creator would', async () => {
    const { creator, id } = await threadWith('joining');
    const res = await inspectorRequest(
      emu,
      'POST',
      `${API}/users`,
      { cookie },
      { threadId: id, displayName: 'Tester' },
    );
    expect(res.status).toBe(201);
    const user = res.json as CreatedUser;
    expect(user).toMatchObject({ id: expect.stringMatching(/^8:acs:/), displayName: 'Tester', threadId: id });
    const participants = await all(chatClient(emu, creator.token).getChatThreadClient(id).listParticipants());
    expect(
      participants.find((p) => (p.id as { communicationUserId: string }).communicationUserId === user.id),
    ).toMatchObject({
      displayName: 'Tester',
    });
    const page = await getAs<PageOf<MessageView>>(threadApi(id, '/messages'));
    expect(page.value[0]).toMatchObject({ type: 'participantAdded', initiatorId: creator.id });
    const alone = await inspectorRequest(emu, 'POST', `${API}/users`, { cookie }, {});
    expect(alone.status).toBe(201);
    const bad = await inspectorRequest(emu, 'POST', `${API}/users`, { cookie }, { threadId: 42 });
    expect([bad.status, (bad.json as Problem).field]).toEqual([400, 'threadId']);
  });

  it('adds and clears faults and throttling like the admin API; its own posts pass faults and are not counted', async () => {
    const member = await newUser(identity);
    const { id } = await threadWith('faults', [member]);
    const added = await inspectorRequest(
      emu,
      'POST',
      `${API}/faults`,
      { cookie },
      {
        kind: 'status',
        operation: 'SendChatMessage',
        status: 503,
      },
    );
    expect(added.status).toBe(201);
    expect(await admin.faults()).toEqual([expect.objectContaining({ kind: 'status', status: 503 })]);
    const sdk = chatClient(emu, member.token).getChatThreadClient(id);
    await expect(sdk.sendMessage({ content: 'through the fault' })).rejects.toMatchObject({ statusCode: 503 });
    const counted = (await admin.state()).calls['SendChatMessage'];
    const byPage = await inspectorRequest(
      emu,
      'POST',
      threadApi(id, '/messages'),
      { cookie },
      {
        senderId: member.id,
        content: 'by hand',
      },
    );
    expect(byPage.status).toBe(201);
    expect((await admin.state()).calls['SendChatMessage']).toBe(counted);

    const invalid = await inspectorRequest(emu, 'POST', `${API}/faults`, { cookie }, { kind: 'status', status: 200 });
    expect([invalid.status, (invalid.json as Problem).field]).toEqual([400, 'status']);
    const ruleId = (added.json as { id: string }).id;
    expect((await inspectorRequest(emu, 'DELETE', `${API}/faults/${ruleId}`, { cookie })).status).toBe(204);
    expect((await inspectorRequest(emu, 'DELETE', `${API}/faults/${ruleId}`, { cookie })).status).toBe(404);
    await inspectorRequest(emu, 'POST', `${API}/faults`, { cookie }, { kind: 'latency', latencyMs: 10 });
    expect((await inspectorRequest(emu, 'DELETE', `${API}/faults`, { cookie })).status).toBe(204);
    expect(await admin.faults()).toEqual([]);

    expect((await inspectorRequest(emu, 'PUT', `${API}/throttling`, { cookie }, { enabled: true })).status).toBe(204);
    expect((await admin.state()).throttling).toBe(true);
    expect((await getAs<Overview>(`${API}/overview`)).throttling).toBe(true);
    await inspectorRequest(emu, 'PUT', `${API}/throttling`, { cookie }, { enabled: false });
    expect((await admin.state()).throttling).toBe(false);
  });

  it('answers unknown routes with 404 and wrong methods with 405 naming the allowed ones, as problem+json', async () => {
    const missing = await inspectorRequest(emu, 'GET', `${API}/nothing`, { key: emu.accessKey });
    expect([missing.status, missing.headers['content-type']]).toEqual([404, 'application/problem+json']);
    const wrong = await inspectorRequest(emu, 'PATCH', `${API}/threads`, { key: emu.accessKey }, {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET');
  });

  it('shows what GET /admin/state shows, calls per operation included', async () => {
    const [overview, state] = await Promise.all([getAs<Overview>(`${API}/overview`), admin.state()]);
    expect(overview.counts).toEqual({
      users: state.users,
      threads: state.threads,
      messages: state.messages,
      participants: state.participants,
    });
    expect(overview.calls).toEqual(state.calls);
    expect(overview.eventDelivery).toEqual(state.eventDelivery);
    expect(overview.operations).toContain('SendChatMessage');
    expect(overview.webhooks).toEqual([]);
  });
});

describe('live updates', () => {
  it('streams each chat event to a connected page, then the state once it changed', async () => {
    const live = await connectLive(emu, { cookie });
    try {
      const first = await live.next((m) => m.event === 'state');
      const { chat, id } = await threadWith('live');
      const { id: messageId } = await chat.getChatThreadClient(id).sendMessage({ content: 'hello live' });
      const message = await live.next(
        (m) => m.event === 'chat' && (m.data as ChatEventView[]).some((e) => e.messageId === messageId),
      );
      expect((message.data as ChatEventView[]).find((e) => e.messageId === messageId)).toMatchObject({
        type: 'ChatMessageReceivedInThread',
        threadId: id,
        detail: 'hello live',
      });
      expect((message.data as ChatEventView[]).some((e) => e.type === 'ChatThreadCreated' && e.threadId === id)).toBe(
        true,
      );
      const before = (first.data as Overview).counts.messages;
      await live.next((m) => m.event === 'state' && (m.data as Overview).counts.messages > before);
    } finally {
      live.close();
    }
  });

  it('replays the recent events to a page that connects later (a reload)', async () => {
    const live = await connectLive(emu, { cookie });
    const { chat, id } = await threadWith('before reload');
    const { id: messageId } = await chat.getChatThreadClient(id).sendMessage({ content: 'sent before the reload' });
    const has = (m: { event: string; data: unknown }): boolean =>
      m.event === 'chat' && (m.data as ChatEventView[]).some((e) => e.messageId === messageId);
    await live.next(has);
    live.close();
    const again = await connectLive(emu, { cookie });
    try {
      await again.next(has, 5000);
    } finally {
      again.close();
    }
  });
});
