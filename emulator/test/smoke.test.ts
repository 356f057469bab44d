import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import { ChatClient } from '@azure/communication-chat';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator, type EmulatorEvent, type RunningEmulator } from '../src';

// End-to-end smoke test: the real SDKs against the real emulator over HTTPS.
describe('emulator smoke', () => {
  let emu: RunningEmulator;
  let ca: Buffer;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, silent: true });
    ca = readFileSync(emu.caCertPath);
  });
  afterAll(async () => {
    await emu?.close();
  });

  function chatFor(token: string): ChatClient {
    return new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), { tlsOptions: { ca } });
  }

  it('creates users, a thread, messages and pages through them', async () => {
    const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions: { ca } });
    const alice = await identity.createUserAndToken(['chat']);
    const bob = await identity.createUser();
    expect(alice.user.communicationUserId).toMatch(/^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$/);
    const bobToken = await identity.getToken(bob, ['chat'], { tokenExpiresInMinutes: 60 });

    const chat = chatFor(alice.token);
    const created = await chat.createChatThread(
      { topic: 'hello' },
      { participants: [{ id: bob, displayName: 'Bob' }], metadata: { a: '1' } },
    );
    expect(created.invalidParticipants).toBeUndefined();
    const threadId = created.chatThread?.id as string;
    expect(threadId).toMatch(/^19:.+@thread\.v2$/);

    const thread = chat.getChatThreadClient(threadId);
    const props = await thread.getProperties();
    expect(props.topic).toBe('hello');
    expect(props.metadata).toEqual({ a: '1' });

    for (let i = 0; i < 5; i++) await thread.sendMessage({ content: `m${i}` }, { senderDisplayName: 'Alice' });
    const bobThread = chatFor(bobToken.token).getChatThreadClient(threadId);
    const seen: string[] = [];
    for await (const page of bobThread.listMessages({ maxPageSize: 2 }).byPage()) {
      for (const m of page) seen.push(m.type === 'text' ? (m.content?.message ?? '') : m.type);
    }
    expect(seen).toEqual(['m4', 'm3', 'm2', 'm1', 'm0', 'topicUpdated', 'participantAdded']);

    await thread.updateTopic('renamed');
    expect((await bobThread.getProperties()).topic).toBe('renamed');

    const participants: string[] = [];
    for await (const p of thread.listParticipants())
      participants.push((p.id as { communicationUserId: string }).communicationUserId);
    expect(participants.sort()).toEqual([alice.user.communicationUserId, bob.communicationUserId].sort());

    await identity.revokeTokens(bob);
    await expect(bobThread.getProperties()).rejects.toMatchObject({ statusCode: 401 });

    const threads: string[] = [];
    for await (const t of chat.listChatThreads()) threads.push(t.id);
    expect(threads).toEqual([threadId]);
  });

  it('rejects a wrong access key with 401', async () => {
    const bad = emu.connectionString.replace(/accesskey=.*/, `accesskey=${Buffer.from('wrong').toString('base64')}`);
    const identity = new CommunicationIdentityClient(bad, { tlsOptions: { ca } });
    await expect(identity.createUser()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('announces state changes on the events hook', async () => {
    const events: EmulatorEvent[] = [];
    const off = emu.onEvent((e) => events.push(e));
    try {
      const identity = new CommunicationIdentityClient(emu.connectionString, { tlsOptions: { ca } });
      const alice = await identity.createUserAndToken(['chat']);
      const chat = chatFor(alice.token);
      const threadId = (await chat.createChatThread({ topic: 'events' })).chatThread?.id as string;
      const { id } = await chat.getChatThreadClient(threadId).sendMessage({ content: 'hi' });
      expect(events.map((e) => e.eventType)).toEqual([
        'Microsoft.Communication.ChatThreadCreated',
        'Microsoft.Communication.ChatMessageReceivedInThread',
      ]);
      expect(events[1]?.data).toMatchObject({ messageId: id, messageBody: 'hi', threadId });
    } finally {
      off();
    }
  });
});

describe('emulator smoke with --location', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'acs-emu-smoke-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the same users, tokens, threads, messages and certificate after a restart', async () => {
    const first = await startEmulator({ port: 0, silent: true, location: dir });
    let token = '';
    let threadId = '';
    const cert = readFileSync(first.caCertPath);
    try {
      const identity = new CommunicationIdentityClient(first.connectionString, { tlsOptions: { ca: cert } });
      const alice = await identity.createUserAndToken(['chat']);
      token = alice.token;
      const chat = new ChatClient(first.endpoint, new AzureCommunicationTokenCredential(token), {
        tlsOptions: { ca: cert },
      });
      threadId = (await chat.createChatThread({ topic: 'durable' })).chatThread?.id as string;
      await chat.getChatThreadClient(threadId).sendMessage({ content: 'kept' });
    } finally {
      await first.close();
    }
    const second = await startEmulator({ port: 0, silent: true, location: dir });
    try {
      expect(readFileSync(second.caCertPath).equals(cert)).toBe(true);
      const chat = new ChatClient(second.endpoint, new AzureCommunicationTokenCredential(token), {
        tlsOptions: { ca: cert },
      });
      const texts: string[] = [];
      for await (const m of chat.getChatThreadClient(threadId).listMessages()) {
        if (m.type === 'text') texts.push(m.content?.message ?? '');
      }
      expect(texts).toEqual(['kept']);
    } finally {
      await second.close();
    }
  });
});
