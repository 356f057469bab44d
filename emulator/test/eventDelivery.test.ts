import { Admin } from './support/admin';
import { chatClient, identityClient, newUser } from './support/clients';
import type { TestEmulator } from './support/emulator';
import { startTestEmulator } from './support/emulator';
import type { WebhookReceiver } from './support/webhookReceiver';
import { failFirst, startReceiver, until } from './support/webhookReceiver';

// Event Grid delivery to webhooks (src/events/WebhookDelivery.ts): a validation handshake first, then one request
// per event in the endpoint's schema with the `aeg-*` headers, at least once, on Event Grid's retry schedule (scaled
// down here), dead-lettering what cannot be delivered, optional chaos, webhooks added and removed at run time.

const SCALE = 0.001; // 10 s -> 10 ms, 30 s -> 30 ms, ...

/** Polls an async read until `done` holds; returns the last value. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Event Grid delivery to webhooks', () => {
  let emu: TestEmulator | undefined;
  const receivers: WebhookReceiver[] = [];

  async function receiver(...args: Parameters<typeof startReceiver>): Promise<WebhookReceiver> {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  }

  /** A user and a thread; every later change in it raises one event. */
  async function thread(e: TestEmulator, topic = 'events') {
    const identity = identityClient(e);
    const alice = await newUser(identity);
    const chat = chatClient(e, alice.token);
    const { chatThread } = await chat.createChatThread({ topic });
    const threadId = chatThread?.id ?? '';
    return { alice, chat, threadId, client: chat.getChatThreadClient(threadId), identity };
  }

  afterEach(async () => {
    await emu?.close();
    emu = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('validates the endpoint once, then posts each chat change as one Event Grid event, in order, with the aeg headers', async () => {
    const hook = await receiver();
    emu = await startTestEmulator({ eventWebhooks: [hook.url] });
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
    await until(() => hook.attempts.length >= expected.length, 'all events');
    expect(hook.attempts.map((d) => (d.body as { eventType: string }[]).map((e) => e.eventType))).toEqual(
      expected.map((t) => [t]),
    );

    // One handshake, before the first delivery: the Event Grid SubscriptionValidationEvent.
    expect(hook.handshakes).toHaveLength(1);
    const [validation] = hook.handshakes;
    expect(validation?.method).toBe('POST');
    expect(validation?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    expect(validation?.body).toEqual([
      expect.objectContaining({
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        data: { validationCode: expect.any(String) as string },
      }),
    ]);

    for (const { headers, body } of hook.attempts) {
      expect(headers['aeg-event-type']).toBe('Notification');
      expect(headers['aeg-delivery-count']).toBe('0');
      expect(headers['aeg-subscription-name']).toMatch(/^WEBHOOK-[0-9A-F]{8}$/);
      expect(headers['content-type']).toBe('application/json; charset=utf-8');
      expect((body as { data: { threadId: string } }[])[0]?.data.threadId).toBe(threadId);
    }
    const received = hook.events()[1];
    expect(received?.subject).toBe(`thread/${threadId}/sender/${alice.id}`);
    expect(received?.data).toMatchObject({ messageId, messageBody: 'hello', senderDisplayName: 'Alice', type: 'Text' });
    expect(new Set(hook.events().map((e) => e.id)).size).toBe(expected.length);
    await until(() => hook.attempts.length === expected.length, 'no more deliveries');
    expect((await new Admin(emu).state()).eventDelivery).toEqual({ delivered: expected.length, failed: 0, pending: 0 });
  });

  it('delivers CloudEvents 1.0 to an endpoint that asks for them, after the OPTIONS handshake', async () => {
    const hook = await receiver();
    emu = await startTestEmulator({
      eventWebhooks: [{ url: hook.url, name: 'cloud', schema: 'CloudEventSchemaV1_0' }],
    });
    const { threadId } = await thread(emu);
    await until(() => hook.attempts.length === 1, 'the CloudEvent');

    expect(hook.handshakes).toHaveLength(1);
    expect(hook.handshakes[0]?.method).toBe('OPTIONS');
    expect(hook.handshakes[0]?.headers['webhook-request-origin']).toBe('eventgrid.azure.net');
    const [delivery] = hook.attempts;
    expect(delivery?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(delivery?.headers['aeg-subscription-name']).toBe('CLOUD');
    expect(delivery?.body).toEqual({
      id: expect.any(String) as string,
      source: expect.stringMatching(/\/providers\/Microsoft\.Communication\/communicationServices\//) as string,
      specversion: '1.0',
      type: 'Microsoft.Communication.ChatThreadCreated',
      subject: `thread/${threadId}`,
      time: expect.any(String) as string,
      data: expect.objectContaining({ threadId }) as object,
    });
  });

  it('gives nothing to an endpoint that fails the handshake, in either schema', async () => {
    const silentGrid = await receiver({ handshake: 'ignore' }); // 200 without validationResponse
    const silentCloud = await receiver({ handshake: 'ignore' }); // 200 without WebHook-Allowed-Origin
    const notFound = await receiver({ handshake: 404 });
    const good = await receiver();
    emu = await startTestEmulator({
      eventWebhooks: [
        { url: silentGrid.url, name: 'silent-grid' },
        { url: silentCloud.url, name: 'silent-cloud', schema: 'CloudEventSchemaV1_0' },
        { url: notFound.url, name: 'not-found' },
        { url: good.url, name: 'good' },
      ],
    });
    const admin = new Admin(emu);
    const { client } = await thread(emu);
    await until(() => good.attempts.length === 1, 'the good endpoint');
    await until(
      () => silentGrid.handshakes.length + silentCloud.handshakes.length + notFound.handshakes.length === 3,
      'handshakes',
    );
    await client.sendMessage({ content: 'after the handshakes' });
    await until(() => good.attempts.length === 2, 'the good endpoint again');

    for (const r of [silentGrid, silentCloud, notFound]) {
      expect(r.handshakes).toHaveLength(1); // a refusal is final, not retried
      expect(r.attempts).toHaveLength(0);
    }
    const statuses = await admin.webhooks();
    expect(statuses.find((w) => w.name === 'silent-grid')).toMatchObject({
      validation: 'failed',
      validationError: expect.stringContaining('validationResponse') as string,
      delivered: 0,
      pending: 0,
    });
    expect(statuses.find((w) => w.name === 'silent-cloud')).toMatchObject({
      validation: 'failed',
      validationError: expect.stringContaining('WebHook-Allowed-Origin') as string,
    });
    expect(statuses.find((w) => w.name === 'not-found')).toMatchObject({ validation: 'failed' });
    expect(statuses.find((w) => w.name === 'good')).toMatchObject({ validation: 'validated', delivered: 2 });

    // Added at run time, a refusing endpoint is not added at all (as creating an event subscription fails).
    const res = await admin.putWebhook('late', { url: silentGrid.url });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: { code: 'BadRequest', target: 'url', message: expect.stringContaining('validation handshake failed') },
    });
    expect(res.text).not.toContain('secret'); // the function key in the URL is redacted
    expect(await admin.webhook('late')).toBeUndefined();
  });

  it('retries an endpoint that answers 500 on the schedule until it accepts, without delaying other endpoints', async () => {
    const flaky = await receiver({ answer: failFirst(2, 500) });
    const healthy = await receiver();
    emu = await startTestEmulator({
      eventWebhooks: [
        { url: flaky.url, name: 'flaky' },
        { url: healthy.url, name: 'healthy' },
      ],
      eventTimeScale: SCALE * 10, // 100 ms, then 300 ms
    });
    const outcomes: {
      webhook: string;
      kind: string;
      attempt?: number;
      status?: number;
      at: string;
      nextAttemptAt?: string;
    }[] = [];
    emu.onDelivery((o) => outcomes.push(o));
    const { threadId } = await thread(emu, 'retry');

    await until(() => healthy.attempts.length === 1, 'the healthy endpoint');
    await until(() => flaky.events().length === 1, 'the retried delivery');
    // The endpoint has the event a moment before the emulator has read its answer and recorded the outcome.
    await until(() => outcomes.some((o) => o.webhook === 'flaky' && o.kind === 'delivered'), 'the delivered outcome');
    expect(flaky.attempts.map((a) => [a.status, a.headers['aeg-delivery-count']])).toEqual([
      [500, '0'],
      [500, '1'],
      [200, '2'],
    ]);
    expect(flaky.events()[0]?.data.threadId).toBe(threadId);
    expect(healthy.events()[0]?.id).toBe(flaky.events()[0]?.id);

    const retries = outcomes.filter((o) => o.webhook === 'flaky' && o.kind === 'retrying');
    expect(retries.map((o) => [o.attempt, o.status])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    // The scheduled waits are Event Grid's first two steps (10 s, 30 s), scaled, within the ±10 % randomization.
    const waits = retries.map((o) => Date.parse(o.nextAttemptAt ?? '') - Date.parse(o.at));
    expect(waits[0]).toBeGreaterThanOrEqual(10_000 * SCALE * 10 * 0.9 - 5);
    expect(waits[0]).toBeLessThanOrEqual(10_000 * SCALE * 10 * 1.1 + 5);
    expect(waits[1]).toBeGreaterThanOrEqual(30_000 * SCALE * 10 * 0.9 - 5);
    expect(waits[1]).toBeLessThanOrEqual(30_000 * SCALE * 10 * 1.1 + 5);
    expect(outcomes.filter((o) => o.webhook === 'flaky' && o.kind === 'delivered')).toHaveLength(1);
    expect(await new Admin(emu).webhook('flaky')).toMatchObject({
      delivered: 1,
      failedAttempts: 2,
      pending: 0,
      retrying: 0,
      deadLettered: 0,
      lastOutcome: 'Delivered',
    });
    expect((await new Admin(emu).state()).eventDelivery).toEqual({ delivered: 2, failed: 0, pending: 0 });
  });

  it.each([400, 401, 403, 413])('does not retry a %i: the event is dead-lettered and listed', async (status) => {
    const refusing = await receiver({ answer: () => status });
    emu = await startTestEmulator({ eventWebhooks: [{ url: refusing.url, name: 'refusing' }], eventTimeScale: SCALE });
    const admin = new Admin(emu);
    const { threadId } = await thread(emu);
    await until(() => refusing.attempts.length === 1, 'the attempt');
    const letters = await eventually(
      () => admin.deadLetters(),
      (l) => l.length > 0,
      'the dead letter',
    );
    expect(letters).toEqual([
      {
        webhook: 'refusing',
        event: expect.objectContaining({
          eventType: 'Microsoft.Communication.ChatThreadCreated',
          data: expect.objectContaining({ threadId }) as object,
        }) as object,
        deadLetterReason:
          status === 400 ? 'UndeliverableDueToHttpBadRequest' : expect.stringMatching(/^UndeliverableDueToHttp/),
        deliveryAttempts: 1,
        lastDeliveryOutcome: expect.any(String) as string,
        lastHttpStatusCode: status,
        publishTime: expect.any(String) as string,
        lastDeliveryAttemptTime: expect.any(String) as string,
      },
    ]);
    expect(await admin.deadLetters('refusing')).toHaveLength(1);
    expect(await admin.deadLetters('other')).toHaveLength(0);
    // Not retried, even long after Event Grid's first retry would have come (10 s scaled = 10 ms).
    await new Promise((r) => setTimeout(r, 300));
    expect(refusing.attempts).toHaveLength(1);
    expect(await admin.webhook('refusing')).toMatchObject({ deadLettered: 1, pending: 0, delivered: 0 });
    expect((await admin.state()).eventDelivery).toEqual({ delivered: 0, failed: 1, pending: 0 });
    expect((await admin.request('DELETE', '/admin/events/deadletter')).status).toBe(204);
    expect(await admin.deadLetters()).toEqual([]);
  });

  it('dead-letters after maxDeliveryAttempts on an endpoint that keeps failing', async () => {
    const broken = await receiver({ answer: () => 503 });
    emu = await startTestEmulator({
      eventWebhooks: [{ url: broken.url, name: 'broken', maxDeliveryAttempts: 3 }],
      eventTimeScale: SCALE,
    });
    const admin = new Admin(emu);
    await thread(emu);
    await until(() => broken.attempts.length === 3, 'three attempts');
    const letters = await eventually(
      () => admin.deadLetters(),
      (l) => l.length > 0,
      'the dead letter',
    );
    expect(letters[0]).toMatchObject({
      webhook: 'broken',
      deadLetterReason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 3,
      lastDeliveryOutcome: 'ServiceUnavailable',
      lastHttpStatusCode: 503,
    });
    expect(broken.attempts.map((a) => a.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
    await new Promise((r) => setTimeout(r, 200));
    expect(broken.attempts).toHaveLength(3);
  });

  it('chaos: delivers the configured share of events twice and out of order; other endpoints keep order', async () => {
    const chaotic = await receiver();
    const orderly = await receiver();
    emu = await startTestEmulator({
      eventWebhooks: [
        { url: chaotic.url, name: 'chaotic', chaos: 0.3 },
        { url: orderly.url, name: 'orderly' },
      ],
    });
    const published: string[] = [];
    emu.onEvent((e) => published.push(e.id));
    const { client } = await thread(emu, 'chaos');
    const N = 80;
    await Promise.all(Array.from({ length: N }, (_, i) => client.sendMessage({ content: `m${i}` })));
    const total = N + 1;
    await until(() => new Set(chaotic.events().map((e) => e.id)).size === total, 'every event at least once', 60_000);
    await until(() => orderly.events().length === total, 'the orderly endpoint', 60_000);
    const admin = new Admin(emu);
    // Settled: nothing pending, and every copy counted so far has arrived (copies are not 'pending').
    const status = await eventually(
      () => admin.webhook('chaotic'),
      (w) => w?.pending === 0 && chaotic.events().length === total + w.duplicates,
      'nothing pending and the copies in',
    );

    const ids = chaotic.events().map((e) => e.id);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n === 2).length;
    expect([...counts.values()].every((n) => n === 1 || n === 2)).toBe(true);
    expect(status).toMatchObject({ delivered: total, duplicates: twice, pending: 0 });
    // Binomial(81, 0.3): mean 24, sd 4; these bounds are over 3 sd away.
    expect(twice).toBeGreaterThanOrEqual(10);
    expect(twice).toBeLessThanOrEqual(40);
    const firstSeen = [...new Set(ids)];
    expect(firstSeen).not.toEqual(published);
    expect([...firstSeen].sort()).toEqual([...published].sort());
    // Without chaos: each event once, in publish order.
    expect(orderly.events().map((e) => e.id)).toEqual(published);
  }, 120_000);

  it('adds, changes and removes webhooks at run time through the admin API', async () => {
    emu = await startTestEmulator({ eventTimeScale: SCALE });
    const admin = new Admin(emu);
    const hook = await receiver();
    expect(await admin.webhooks()).toEqual([]);

    const created = await admin.putWebhook('bot', { url: hook.url });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'bot',
      url: expect.stringContaining('code=redacted') as string,
      schema: 'EventGridSchema',
      chaos: 0,
      maxDeliveryAttempts: 30,
      eventTimeToLiveInMinutes: 1440,
      source: 'admin',
      validation: 'validated',
      pending: 0,
      delivered: 0,
    });
    expect(hook.handshakes).toHaveLength(1); // validated before the answer, as Event Grid does on create
    const { client } = await thread(emu);
    await until(() => hook.events().length === 1, 'the first event');

    // Changing only options keeps the validation; a second handshake is not needed.
    const changed = await admin.putWebhook('bot', { url: hook.url, maxDeliveryAttempts: 5 });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ name: 'bot', maxDeliveryAttempts: 5, delivered: 1 });
    expect(hook.handshakes).toHaveLength(1);
    await client.sendMessage({ content: 'two' });
    await until(() => hook.events().length === 2, 'the second event');
    expect(await admin.webhooks()).toEqual([expect.objectContaining({ name: 'bot', delivered: 2, pending: 0 })]);

    // Bad input names the field.
    for (const [body, field] of [
      [{ url: 'ftp://x' }, 'url'],
      [{}, 'url'],
      [{ url: hook.url, schema: 'Custom' }, 'schema'],
      [{ url: hook.url, chaos: 2 }, 'chaos'],
      [{ url: hook.url, maxDeliveryAttempts: 31 }, 'maxDeliveryAttempts'],
      [{ url: hook.url, eventTimeToLiveInMinutes: 0 }, 'eventTimeToLiveInMinutes'],
    ] as const) {
      const res = await admin.putWebhook('bad', body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { target: field } });
    }
    expect((await admin.putWebhook('x', { url: hook.url })).json).toMatchObject({ error: { target: 'name' } });

    expect((await admin.deleteWebhook('bot')).status).toBe(204);
    expect((await admin.deleteWebhook('bot')).status).toBe(404);
    expect((await admin.request('GET', '/admin/webhooks/bot')).status).toBe(404);
    await client.sendMessage({ content: 'three' });
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.events()).toHaveLength(2);
    expect(await admin.webhooks()).toEqual([]);
  });
});
