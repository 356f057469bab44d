import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admin } from './support/admin';
import { chatClient, identityClient, newUser } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';

// Event Grid delivery to `--event-webhook` endpoints: one POST per event, EventGridSchema array body, `aeg-*`
// headers, at least once with retries, in order per endpoint (see src/events/WebhookDelivery.ts).

interface Delivery {
  headers: http.IncomingHttpHeaders;
  events: { id: string; eventType: string; subject: string; data: Record<string, unknown> }[];
}

/** A webhook endpoint that records every POST and fails the first `failures` of them with a 500. */
async function startReceiver(failures = 0): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = [];
  let toFail = failures;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (toFail > 0) {
        toFail--;
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, events: JSON.parse(body) as Delivery['events'] });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=bot&code=secret`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Event Grid delivery to webhooks', () => {
  let emu: TestEmulator | undefined;
  const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('posts each chat change as one Event Grid event, in order, with the aeg headers', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    emu = await startTestEmulator({ eventWebhooks: [receiver.url] });
    const identity = identityClient(emu);
    const [alice, bob] = await Promise.all([newUser(identity), newUser(identity)]);
    const chat = chatClient(emu, alice.token);
    const { chatThread } = await chat.createChatThread({ topic: 'events' });
    const threadId = chatThread?.id ?? '';
    const thread = chat.getChatThreadClient(threadId);
    const { id: messageId } = await thread.sendMessage({ content: 'hello' }, { senderDisplayName: 'Alice' });
    await thread.updateMessage(messageId, { content: 'hello again' });
    await thread.deleteMessage(messageId);
    await thread.updateTopic('renamed');
    await thread.addParticipants({ participants: [{ id: bob.user }] });
    await thread.removeParticipant(bob.user);
    await chat.deleteChatThread(threadId);

    const expected = [
      'ChatThreadCreated',
      'ChatMessageReceivedInThread',
      'ChatMessageEditedInThread',
      'ChatMessageDeletedInThread',
      'ChatThreadPropertiesUpdated',
      'ChatThreadParticipantAdded',
      'ChatThreadParticipantRemoved',
      'ChatThreadDeleted',
    ].map((t) => `Microsoft.Communication.${t}`);
    await until(() => receiver.received.length >= expected.length, 'all events');
    expect(receiver.received.map((d) => d.events.map((e) => e.eventType))).toEqual(expected.map((t) => [t]));

    for (const { headers, events } of receiver.received) {
      expect(headers['aeg-event-type']).toBe('Notification');
      expect(headers['aeg-delivery-count']).toBe('0');
      expect(headers['content-type']).toBe('application/json');
      expect(events[0]?.data.threadId).toBe(threadId);
    }
    const received = receiver.received[1]?.events[0];
    expect(received?.subject).toBe(`thread/${threadId}/sender/${alice.id}`);
    expect(received?.data).toMatchObject({ messageId, messageBody: 'hello', senderDisplayName: 'Alice', type: 'Text' });
    expect(new Set(receiver.received.map((d) => d.events[0]?.id)).size).toBe(expected.length);
    expect((await new Admin(emu).state()).eventDelivery).toEqual({ delivered: expected.length, failed: 0, pending: 0 });
  });

  it('retries a failing endpoint until it accepts, delivering each event once, without delaying other endpoints', async () => {
    const flaky = await startReceiver(2);
    const healthy = await startReceiver();
    receivers.push(flaky, healthy);
    emu = await startTestEmulator({ eventWebhooks: [flaky.url, healthy.url] });
    const alice = await newUser(identityClient(emu));
    const { chatThread } = await chatClient(emu, alice.token).createChatThread({ topic: 'retry' });

    await until(() => healthy.received.length === 1, 'the healthy endpoint');
    expect(flaky.received).toHaveLength(0); // still backing off after two 500s
    await until(() => flaky.received.length === 1, 'the retried delivery');
    expect(flaky.received[0]?.headers['aeg-delivery-count']).toBe('2');
    expect(flaky.received[0]?.events[0]?.data.threadId).toBe(chatThread?.id);
    expect(healthy.received[0]?.events[0]?.id).toBe(flaky.received[0]?.events[0]?.id);
    expect((await new Admin(emu).state()).eventDelivery).toEqual({ delivered: 2, failed: 0, pending: 0 });
  });
});
