import type { EmulatorEvent } from '../src/index';
import { Outbox, type OutboxRecord } from '../src/persistence/Outbox';
import { replay } from '../src/persistence/Store';
import { State } from '../src/persistence/State';
import { NON_RETRIABLE_STATUSES, RETRY_SCHEDULE_MS, retryDelayMs } from '../src/events/retryPolicy';

// The delivery outbox's journal records (src/persistence/Outbox.ts) and Event Grid's retry rules
// (src/events/retryPolicy.ts), without a server.

function event(id: string): EmulatorEvent {
  return {
    id,
    topic: '/t',
    subject: 'thread/x',
    eventType: 'Microsoft.Communication.ChatThreadCreated',
    eventTime: '2025-01-01T00:00:00.000Z',
    data: {},
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

const config = {
  name: 'bot',
  url: 'http://127.0.0.1:1/hook',
  schema: 'EventGridSchema' as const,
  chaos: 0,
  maxDeliveryAttempts: 30,
  eventTimeToLiveInMinutes: 1440,
};

const history: OutboxRecord[] = [
  { t: 'whPut', w: config },
  { t: 'evQ', at: 1, to: ['bot', 'cli'], ev: [event('e1'), event('e2')] },
  { t: 'evQ', at: 2, to: ['bot', 'cli', 'gone'], ev: [event('e3')] },
  { t: 'evDone', to: 'bot', id: 'e1' },
  {
    t: 'evDead',
    d: {
      webhook: 'cli',
      event: event('e2'),
      deadLetterReason: 'UndeliverableDueToHttpBadRequest',
      deliveryAttempts: 1,
      lastDeliveryOutcome: 'BadRequest',
      lastHttpStatusCode: 400,
      publishTime: '2025-01-01T00:00:00.000Z',
    },
  },
  { t: 'evDrop', to: 'gone' },
];

function pendingIds(o: Outbox): Record<string, string[]> {
  return Object.fromEntries([...o.pending].map(([name, q]) => [name, [...q.keys()]]));
}

test('replaying the records rebuilds pending events per endpoint in publish order, dead letters and webhooks', () => {
  const outbox = new Outbox();
  replay(history, new State(), outbox);
  expect(pendingIds(outbox)).toEqual({ bot: ['e2', 'e3'], cli: ['e1', 'e3'] });
  expect(outbox.deadLetters.map((d) => [d.webhook, d.event.id])).toEqual([['cli', 'e2']]);
  expect([...outbox.webhooks.keys()]).toEqual(['bot']);
  expect(outbox.pending.get('bot')?.get('e3')?.at).toBe(2);

  // Its snapshot (a compacted journal's tail) rebuilds the same outbox, and a snapshot header resets it first.
  const again = new Outbox();
  replay([{ t: 'evQ', at: 0, to: ['stale'], ev: [event('old')] }], new State(), again);
  replay(
    [{ t: 'snap', v: 1, resourceId: 'r', clock: 0, messages: 0 }, ...outbox.snapshotRecords()],
    new State(),
    again,
  );
  expect(pendingIds(again)).toEqual(pendingIds(outbox));
  expect(again.deadLetters).toEqual(outbox.deadLetters);
  expect([...again.webhooks.values()]).toEqual([config]);
  expect(again.snapshotSize()).toBe(outbox.snapshotRecords().length);

  replay([{ t: 'whDel', name: 'bot' }, { t: 'dlClear' }], new State(), again);
  expect(pendingIds(again)).toEqual({ cli: ['e1', 'e3'] });
  expect(again.webhooks.size).toBe(0);
  expect(again.deadLetters).toEqual([]);
});

test('a chat reset keeps the outbox: events already published are still owed', () => {
  const outbox = new Outbox();
  replay([...history, { t: 'reset', at: 3 }], new State(), outbox);
  expect(pendingIds(outbox)).toEqual({ bot: ['e2', 'e3'], cli: ['e1', 'e3'] });
});

test("Event Grid's retry schedule, randomized by ±10 % and scaled; 400, 401, 403, 413 are not retried", () => {
  const s = 1000;
  expect(RETRY_SCHEDULE_MS).toEqual([
    10 * s,
    30 * s,
    60 * s,
    300 * s,
    600 * s,
    1800 * s,
    3600 * s,
    3 * 3600 * s,
    6 * 3600 * s,
    12 * 3600 * s,
  ]);
  const low = (): number => 0;
  const high = (): number => 1;
  expect(retryDelayMs(1, 1, low)).toBe(9_000);
  expect(retryDelayMs(1, 1, high)).toBe(11_000);
  expect(retryDelayMs(2, 0.001, () => 0.5)).toBe(30);
  expect(retryDelayMs(3, 1, () => 0.5)).toBe(60_000);
  expect(retryDelayMs(10, 1, () => 0.5)).toBe(12 * 3600 * s);
  expect(retryDelayMs(25, 1, () => 0.5)).toBe(12 * 3600 * s); // every 12 h after 6 h
  expect([...NON_RETRIABLE_STATUSES].sort()).toEqual([400, 401, 403, 413]);
});
