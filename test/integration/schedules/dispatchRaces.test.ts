/**
 * The dispatch pipeline's claims and recovery, driven directly with real Azurite tables and a fake ChatPort, so the
 * races are certain rather than likely: two dispatchers ticking at once over the same rows, two senders working
 * the same batch at once, a send whose result was lost, a sender that died after posting, 429s and pacing.
 */
import { randomBytes } from 'node:crypto';
import { AcsFailure } from '../../../src/acs/acsErrors';
import { Dispatcher } from '../../../src/schedules/dispatcher';
import { tableDueIndex, type DueIndex } from '../../../src/schedules/dueIndex';
import { OccurrenceSender, type SendBatch } from '../../../src/schedules/occurrenceSender';
import { ScheduleService } from '../../../src/schedules/scheduleService';
import { tableScheduleStore, type ScheduleStore } from '../../../src/schedules/scheduleStore';
import { ThreadSendLimiter } from '../../../src/schedules/threadSendLimiter';
import { createStorageClients, type StorageClients } from '../../../src/storage/clients';
import type { JsonQueue } from '../../../src/storage/jsonQueue';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { FakeChat } from '../../support/fakeChat';

const thread = (i: number): string => `19:thread${String(i).padStart(38, '0')}@thread.v2`;

class CapturedQueue implements JsonQueue<SendBatch> {
  readonly sent: { batch: SendBatch; delayMs: number }[] = [];
  send(batch: SendBatch, delayMs = 0): Promise<void> {
    this.sent.push({ batch: JSON.parse(JSON.stringify(batch)) as SendBatch, delayMs });
    return Promise.resolve();
  }
  take(): { batch: SendBatch; delayMs: number }[] {
    return this.sent.splice(0);
  }
}

const UNLIMITED = () => new ThreadSendLimiter([{ limit: 100_000, windowMs: 1_000 }]);

describe('dispatch races and recovery (Azurite, fake chat)', () => {
  let azurite: TestAzurite;
  let clients: StorageClients;

  beforeAll(async () => {
    azurite = await startAzurite();
    clients = await createStorageClients({ kind: 'connectionString', connectionString: azurite.connectionString });
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  /** Fresh tables, a fake chat with `threads` threads, and a clock the test moves. */
  function rig(threads: number) {
    const suffix = randomBytes(4).toString('hex');
    let clock = Date.now();
    const now = () => clock;
    const chat = new FakeChat();
    for (let i = 0; i < threads; i++) chat.addThread(thread(i));
    const store: ScheduleStore = tableScheduleStore(clients.table(`sched${suffix}`));
    const dueIndex: DueIndex = tableDueIndex(clients.table(`due${suffix}`), now);
    const queue = new CapturedQueue();
    return {
      chat,
      store,
      dueIndex,
      queue,
      advance: (ms: number) => (clock += ms),
      now,
      service: new ScheduleService({ store, dueIndex, chat, now }),
      dispatcher: () => new Dispatcher({ dueIndex, queue, now }),
      sender: (limiter = UNLIMITED()) =>
        new OccurrenceSender({ store, dueIndex, chat, queue, limiter, serviceDisplayName: 'Bot', now }),
    };
  }

  it('two dispatchers ticking at once hand out each due occurrence once', async () => {
    const r = rig(10);
    for (let i = 0; i < 200; i++) {
      await r.service.create(thread(i % 10), { content: `m${i}`, sendAt: new Date(r.now() + 1_000).toISOString() });
    }
    r.advance(2_000);
    const [a, b] = await Promise.all([r.dispatcher().tick(), r.dispatcher().tick()]);
    // Both read every due row before either had claimed them all: the ETag settled each one.
    expect(a.rowsRead).toBe(200);
    expect(b.rowsRead).toBe(200);
    const items = r.queue.take().flatMap((q) => q.batch.items);
    expect(items).toHaveLength(200);
    expect(new Set(items.map((i) => i.scheduleId)).size).toBe(200);
    expect(a.dispatched + b.dispatched).toBe(200);
    // A later tick finds them claimed (in flight), not due for dispatch again.
    r.advance(1_000);
    const again = await r.dispatcher().tick();
    expect(again).toMatchObject({ due: 200, dispatched: 0, deferred: 200 });
  }, 120_000);

  it('two senders working the same batch at once post each occurrence once', async () => {
    const r = rig(5);
    for (let i = 0; i < 50; i++) {
      await r.service.create(thread(i % 5), { content: `m${i}`, sendAt: new Date(r.now() + 1_000).toISOString() });
    }
    r.advance(2_000);
    await r.dispatcher().tick();
    const batches = r.queue.take().map((q) => q.batch);
    r.chat.latencyMs = 30; // both hold the same occurrences while the first sends are in flight
    const [one, two] = [r.sender(), r.sender()];
    const reports = await Promise.all(batches.flatMap((b) => [one.handle(b), two.handle(b)]));
    expect(r.chat.sendCalls).toBe(50);
    const sent = [0, 1, 2, 3, 4].flatMap((i) => r.chat.sent(thread(i)));
    expect(sent).toHaveLength(50);
    expect(new Set(sent.map((m) => m.metadata?.['scheduleId'])).size).toBe(50);
    expect(reports.reduce((n, rep) => n + rep.sent, 0)).toBe(50);
    // The losers deferred (claim held by the other) or found it recorded; a redelivery finds each one done.
    const redelivered = r.queue.take().map((q) => q.batch);
    r.advance(61_000);
    const late = await Promise.all(redelivered.map((b) => r.sender().handle(b)));
    expect(late.reduce((n, rep) => n + rep.sent, 0)).toBe(0);
    expect(r.chat.sendCalls).toBe(50);
    const page = await r.service.list(thread(0), { pageSize: 100 });
    expect(page.schedules.every((s) => s.state === 'completed' && s.messages.length === 1)).toBe(true);
  }, 120_000);

  it('a send whose result was lost is found by its metadata, not sent again', async () => {
    const r = rig(1);
    const s = await r.service.create(thread(0), { content: 'once', sendAt: new Date(r.now() + 1_000).toISOString() });
    r.advance(2_000);
    await r.dispatcher().tick();
    const [first] = r.queue.take();
    // ACS posted it, but the answer never came back (a timeout).
    r.chat.loseNextResults.push(new AcsFailure('transient', 'socket hang up'));
    const report = await r.sender().handle(first?.batch as SendBatch);
    expect(report).toMatchObject({ sent: 0, deferred: 1 });
    const marked = await r.store.get(s.scheduleId);
    expect(marked?.sending).toMatchObject({ occurrence: s.nextRunAt, uncertain: true });

    const [retry] = r.queue.take();
    // No answer at all: the service may still be posting it, so the search waits for it to settle.
    expect(retry?.delayMs).toBeGreaterThanOrEqual(30_000);
    r.advance(retry?.delayMs ?? 0);
    const again = await r.sender().handle(retry?.batch as SendBatch);
    expect(again).toMatchObject({ sent: 1, recovered: 1 });
    expect(r.chat.sendCalls).toBe(1);
    const done = await r.store.get(s.scheduleId);
    expect(done).toMatchObject({ state: 'completed', lastMessageId: r.chat.sent(thread(0))[0]?.id });
    expect(done?.sending).toBeUndefined();
  }, 60_000);

  it('a sender that died after posting: the next attempt waits out its lease, then records the message', async () => {
    const r = rig(1);
    const s = await r.service.create(thread(0), { content: 'crash', sendAt: new Date(r.now() + 1_000).toISOString() });
    r.advance(2_000);
    // What a process leaves behind when killed right after the ACS call: the claim, the message, no record.
    const claimed = await r.store.replace(s, {
      ...s,
      sending: { occurrence: s.nextRunAt as string, since: r.now(), uncertain: false },
    });
    expect(claimed).toBeDefined();
    await r.chat.sendMessage(thread(0), {
      content: 'crash',
      metadata: { scheduleId: s.scheduleId, scheduleOccurrence: s.nextRunAt as string },
    });
    const batch: SendBatch = {
      threadId: thread(0),
      items: [{ scheduleId: s.scheduleId, occurrence: s.nextRunAt as string, attempt: 1 }],
    };
    r.advance(10_000);
    expect(await r.sender().handle(batch)).toMatchObject({ sent: 0, deferred: 1 }); // the lease is not over
    expect(r.queue.take()[0]?.delayMs).toBeGreaterThanOrEqual(50_000);
    r.advance(55_000);
    expect(await r.sender().handle(batch)).toMatchObject({ sent: 1, recovered: 1 });
    expect(r.chat.sendCalls).toBe(1);
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
  }, 60_000);

  it('a sender that died before posting: after its lease the occurrence is sent, once', async () => {
    const r = rig(1);
    const s = await r.service.create(thread(0), { content: 'lost', sendAt: new Date(r.now() + 1_000).toISOString() });
    r.advance(2_000);
    await r.store.replace(s, {
      ...s,
      sending: { occurrence: s.nextRunAt as string, since: r.now(), uncertain: false },
    });
    r.advance(61_000);
    const batch: SendBatch = {
      threadId: thread(0),
      items: [{ scheduleId: s.scheduleId, occurrence: s.nextRunAt as string, attempt: 1 }],
    };
    expect(await r.sender().handle(batch)).toMatchObject({ sent: 1, recovered: 0 });
    expect(r.chat.sent(thread(0))).toHaveLength(1);
  }, 60_000);

  it('a burst in one thread is paced below the ACS limits; a 429 defers the rest by its Retry-After', async () => {
    const r = rig(1);
    for (let i = 0; i < 25; i++) {
      await r.service.create(thread(0), { content: `b${i}`, sendAt: new Date(r.now() + 1_000).toISOString() });
    }
    r.advance(2_000);
    await r.dispatcher().tick();
    const limiter = new ThreadSendLimiter(undefined, r.now); // 10 per 10 s, 30 per minute (with margins)
    const sender = r.sender(limiter);
    const first = await sender.handle(r.queue.take()[0]?.batch as SendBatch);
    expect(first).toMatchObject({ sent: 10, deferred: 15, failed: 0 });
    const [paced] = r.queue.take();
    expect(paced?.batch.items).toHaveLength(15);
    expect(paced?.delayMs).toBeGreaterThanOrEqual(10_000);

    r.advance(paced?.delayMs ?? 0);
    r.chat.failNextSends.push(new AcsFailure('throttled', 'ACS throttled the call', 429, 4_000));
    const second = await sender.handle(paced?.batch as SendBatch);
    // Sends already under way finish; the refused one, and all not yet started, wait for the Retry-After.
    expect(second.sent + second.deferred).toBe(15);
    const requeued = r.queue.take();
    expect(Math.min(...requeued.map((q) => q.delayMs))).toBeGreaterThanOrEqual(4_000);
    expect(limiter.waitMs(thread(0))).toBeGreaterThanOrEqual(3_000);

    let pending = requeued;
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      r.advance(Math.max(...pending.map((q) => q.delayMs)));
      for (const q of pending) await sender.handle(q.batch);
      pending = r.queue.take();
    }
    expect(r.chat.sent(thread(0))).toHaveLength(25);
    expect(new Set(r.chat.sent(thread(0)).map((m) => m.metadata?.['scheduleId'])).size).toBe(25);
    expect(r.chat.sendCalls).toBe(26); // the 429 included
  }, 60_000);

  it('a tick reads the due rows only, whatever is stored for later, and counts and deletes finished ones', async () => {
    const r = rig(2);
    for (let i = 0; i < 500; i++) await r.dueIndex.put(`sch-future${i}`, thread(1), r.now() + 3_600_000 + i * 60_000);
    for (let i = 0; i < 20; i++) {
      await r.service.create(thread(0), { content: `d${i}`, sendAt: new Date(r.now() + 1_000).toISOString() });
    }
    r.advance(2_000);
    const tick = await r.dispatcher().tick();
    expect(tick).toMatchObject({ rowsRead: 20, due: 20, dispatched: 20, sent: 0 });
    await r.sender().handle(r.queue.take()[0]?.batch as SendBatch);
    r.advance(1_000);
    expect(await r.dispatcher().tick()).toMatchObject({ rowsRead: 20, due: 0, sent: 20, oldestLatenessMs: 0 });
    expect(await r.dispatcher().tick()).toMatchObject({ rowsRead: 0, due: 0, sent: 0 });
  }, 120_000);

  it('after downtime a recurring schedule sends one catch-up and counts the occurrences it skipped', async () => {
    const r = rig(1);
    const s = await r.service.create(thread(0), { content: 'every minute', cron: '* * * * *' });
    const due = Date.parse(s.nextRunAt as string);
    r.advance(due - r.now() + 10 * 60_000 + 5_000); // down for ten minutes past the first occurrence
    const tick = await r.dispatcher().tick();
    expect(tick.due).toBe(1);
    expect(tick.oldestLatenessMs).toBeGreaterThanOrEqual(10 * 60_000);
    await r.sender().handle(r.queue.take()[0]?.batch as SendBatch);
    const after = await r.store.get(s.scheduleId);
    expect(r.chat.sent(thread(0))).toHaveLength(1);
    expect(after).toMatchObject({ state: 'active', occurrencesSent: 1 });
    // Ten later occurrences fell in the downtime; the one due less than a minute ago is still sent on time.
    expect(after?.occurrencesSkipped).toBe(9);
    expect(Date.parse(after?.nextRunAt as string)).toBeGreaterThan(r.now() - 60_000);
  }, 60_000);

  it('an index row whose schedule moved or vanished is dropped, not sent', async () => {
    const r = rig(1);
    const s = await r.service.create(thread(0), { content: 'moved', sendAt: new Date(r.now() + 1_000).toISOString() });
    const old = Date.parse(s.nextRunAt as string);
    await r.service.update(s.scheduleId, { sendAt: new Date(r.now() + 3_600_000).toISOString() }, s.etag);
    await r.dueIndex.put(s.scheduleId, thread(0), old); // as if the edit had died before removing the old row
    await r.dueIndex.put('sch-0123456789-000000000aaaaaa', thread(0), r.now() - 600_000); // no such schedule
    r.advance(2_000);
    expect((await r.dispatcher().tick()).dispatched).toBe(2);
    const report = await r.sender().handle(r.queue.take()[0]?.batch as SendBatch);
    expect(report).toMatchObject({ sent: 0, dropped: 2 });
    expect(r.chat.sendCalls).toBe(0);
    r.advance(1_000);
    expect(await r.dispatcher().tick()).toMatchObject({ dropped: 2, rowsRead: 2 });
  }, 60_000);
});
