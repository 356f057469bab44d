import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorEvent } from '../src/events/EmulatorEvent';
import { EventHub } from '../src/events/EventHub';
import {
  outcomeFeed,
  type DeliveryOutcome,
  type DeliveryWithOutcomes,
  type EndpointStatus,
} from '../src/inspector/DeliveryFeed';
import { LiveFeed } from '../src/inspector/LiveFeed';
import type { DeliveryOutcomeView, Overview } from '../src/inspector/views';
import { until } from './support/inspector';

// The inspector's live feed and its view of webhook delivery, in isolation: what the page gets, and that nothing
// listens on the event hub unless a page is connected.

function chatEvent(n: number): EmulatorEvent {
  return {
    id: `event-${n}`,
    topic: '/subscriptions/x',
    subject: 'thread/19:t@thread.v2/sender/8:acs:r_u',
    eventType: 'Microsoft.Communication.ChatMessageReceivedInThread',
    eventTime: new Date().toISOString(),
    data: {
      messageBody: `message ${n}`,
      messageId: String(1000 + n),
      senderCommunicationIdentifier: { rawId: '8:acs:r_u', communicationUser: { id: '8:acs:r_u' } },
      senderDisplayName: 'Ana',
      threadId: '19:t@thread.v2',
    },
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

/** A delivery shaped like one with per-endpoint status and outcome listeners. */
function fakeDelivery(): DeliveryWithOutcomes & { emit(o: DeliveryOutcome): void; listeners: number } {
  const listeners = new Set<(o: DeliveryOutcome) => void>();
  const status: EndpointStatus = {
    name: 'bot',
    url: 'http://127.0.0.1:7071/runtime/webhooks/eventgrid?…',
    validation: 'validated',
    pending: 1,
    retrying: 1,
    delivered: 5,
    deadLettered: 2,
    lastOutcome: 'Http500',
  };
  return {
    list: () => [status],
    onOutcome(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (o) => listeners.forEach((l) => l(o)),
    get listeners() {
      return listeners.size;
    },
  };
}

describe('delivery feeds', () => {
  it('passes per-event outcomes through from a delivery that reports them', () => {
    const delivery = fakeDelivery();
    const feed = outcomeFeed(delivery);
    expect(feed.endpoints()).toEqual([
      {
        name: 'bot',
        url: 'http://127.0.0.1:7071/runtime/webhooks/eventgrid?…',
        validation: 'validated',
        pending: 1,
        retrying: 1,
        delivered: 5,
        deadLettered: 2,
        lastOutcome: 'Http500',
      },
    ]);
    const seen: DeliveryOutcomeView[] = [];
    const off = feed.onOutcome((o) => seen.push(o));
    delivery.emit({
      webhook: 'bot',
      kind: 'retrying',
      at: 'now',
      eventId: 'e1',
      eventType: 't',
      attempt: 1,
      status: 500,
      nextAttemptAt: 'later',
    });
    delivery.emit({
      webhook: 'bot',
      kind: 'deadLettered',
      at: 'now',
      eventId: 'e1',
      attempt: 8,
      deadLetterReason: 'MaxDeliveryAttemptsExceeded',
    });
    delivery.emit({ webhook: 'bot', kind: 'somethingNew', at: 'now' });
    off();
    delivery.emit({ webhook: 'bot', kind: 'delivered', at: 'now', eventId: 'e2' });
    expect(seen).toEqual([
      {
        webhook: 'bot',
        kind: 'retrying',
        at: 'now',
        eventId: 'e1',
        eventType: 't',
        attempt: 1,
        status: 500,
        nextAttemptAt: 'later',
      },
      {
        webhook: 'bot',
        kind: 'deadLettered',
        at: 'now',
        eventId: 'e1',
        attempt: 8,
        reason: 'MaxDeliveryAttemptsExceeded',
      },
    ]);
    expect(delivery.listeners).toBe(0);
  });
});

describe('live feed', () => {
  let server: http.Server | undefined;
  let live: LiveFeed | undefined;
  afterEach(async () => {
    live?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('listens on the event hub only while a page is connected, and sends each event within a flush', async () => {
    const hub = new EventHub();
    let hubListeners = 0;
    const on = hub.on.bind(hub);
    jest.spyOn(hub, 'on').mockImplementation((listener) => {
      hubListeners++;
      const off = on(listener);
      return () => {
        hubListeners--;
        return off();
      };
    });
    const delivery = fakeDelivery();
    const overview = { counts: { users: 0, threads: 0, messages: 0, participants: 0 } } as Overview;
    const feed = new LiveFeed(
      { hub, delivery: outcomeFeed(delivery), overview: () => overview, fingerprint: () => 'same' },
      200,
    );
    live = feed;
    server = http.createServer((_req, res) => feed.connect(res));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    hub.publish([chatEvent(1)]); // nobody is watching: not even kept
    expect(hubListeners).toBe(0);
    expect(delivery.listeners).toBe(0);

    let received = '';
    const req = http.get(`http://127.0.0.1:${port}/`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => (received += d));
    });
    await until(() => received.includes('event: state'), 'the first state message');
    expect(hubListeners).toBe(1);
    expect(delivery.listeners).toBe(1);
    expect(received).not.toContain('event-1');

    hub.publish([chatEvent(2), chatEvent(3)]);
    delivery.emit({ webhook: 'bot', kind: 'delivered', at: 'now', eventId: 'event-2', attempt: 1, status: 200 });
    await until(() => received.includes('event: delivery'), 'the batch');
    const chatLines = received.split('\n').filter((l) => l.startsWith('data: [{"id":"event-'));
    expect(chatLines).toHaveLength(1); // one message for the batch
    expect(JSON.parse(chatLines[0]?.slice(6) ?? '[]')).toEqual([
      expect.objectContaining({
        id: 'event-2',
        type: 'ChatMessageReceivedInThread',
        messageId: '1002',
        actorName: 'Ana',
        detail: 'message 2',
      }),
      expect.objectContaining({ id: 'event-3' }),
    ]);

    // A batch bigger than a socket buffer is no reason to skip a page that reads.
    hub.publish(Array.from({ length: 400 }, (_, i) => chatEvent(100 + i)));
    await until(() => received.includes('"id":"event-499"'), 'the big batch');
    expect(received).not.toContain('event: resync');

    req.destroy();
    await until(() => feed.connections === 0, 'the page to leave');
    expect(hubListeners).toBe(1); // lingers, so a reload misses nothing
    await until(() => hubListeners === 0, 'the feed to stop listening', 5000);
    expect(delivery.listeners).toBe(0);
  });
});
