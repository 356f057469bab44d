/**
 * The sender's exactly-once edges, with an in-memory store, the fake chat and a clock the test moves: what is
 * retried and what is not, the settle wait before a search, an attempt bounded by its claim, records that must land.
 */
import { AcsFailure } from '../../../src/acs/acsErrors';
import {
  DEFAULT_SENDER_POLICY,
  OccurrenceSender,
  type SendBatch,
  type SenderPolicy,
} from '../../../src/schedules/occurrenceSender';
import type { NewSchedule, Schedule } from '../../../src/schedules/schedule';
import { newScheduleId } from '../../../src/schedules/scheduleIds';
import { ThreadSendLimiter } from '../../../src/schedules/threadSendLimiter';
import { FakeChat } from '../../support/fakeChat';
import { CapturedQueue, MemoryDueIndex, MemoryScheduleStore } from './memoryStores';

const THREAD = '19:thread0@thread.v2';
const { sendLeaseMs, sendTimeoutMs, settleMs } = DEFAULT_SENDER_POLICY;

function rig(policy: Partial<SenderPolicy> = {}) {
  // Near the real time: the fake chat stamps messages with it, and the search looks back from the claim's time.
  let clock = Date.now();
  const now = () => clock;
  const chat = new FakeChat();
  chat.addThread(THREAD);
  const store = new MemoryScheduleStore();
  const dueIndex = new MemoryDueIndex();
  const queue = new CapturedQueue();
  const limiter = new ThreadSendLimiter([{ limit: 100_000, windowMs: 1_000 }], now);
  /** The time each send was given before it is abandoned. */
  const sendWindows: number[] = [];
  /** In-process waits for an occurrence that arrived before its due time (the clock moves on by each). */
  const sleeps: number[] = [];
  const sender = () =>
    new OccurrenceSender({
      store,
      dueIndex,
      chat,
      queue,
      limiter,
      serviceDisplayName: 'Bot',
      now,
      policy,
      abortAfter: (ms) => {
        sendWindows.push(ms);
        return new AbortController().signal;
      },
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
  const schedule = (fields: Partial<NewSchedule> = {}): Schedule => {
    const sendAt = new Date(clock).toISOString();
    return store.put({
      scheduleId: newScheduleId(THREAD, clock),
      threadId: THREAD,
      state: 'active',
      content: 'hello',
      type: 'text',
      timing: { kind: 'once', sendAt },
      nextRunAt: sendAt,
      createdAt: sendAt,
      updatedAt: sendAt,
      occurrencesSent: 0,
      occurrencesSkipped: 0,
      messages: [],
      ...fields,
    });
  };
  const batchOf = (s: Schedule, attempt = 0): SendBatch => ({
    threadId: THREAD,
    items: [{ scheduleId: s.scheduleId, occurrence: s.nextRunAt as string, attempt }],
  });
  return {
    chat,
    store,
    dueIndex,
    queue,
    sender,
    schedule,
    batchOf,
    sendWindows,
    sleeps,
    now,
    advance: (ms: number) => (clock += ms),
  };
}

/** True for the write that records an occurrence as sent. */
const isRecord = (next: NewSchedule) => next.messages.length > 0;
/** True for the write that marks an occurrence failed. */
const isFail = (next: NewSchedule) => next.state === 'failed';

describe('OccurrenceSender: where an error came from decides what happens', () => {
  it('a bug (a TypeError) inside the send is not retried as transient: the batch fails with it', async () => {
    const r = rig();
    const s = r.schedule();
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    r.chat.failNextSends.push(bug);
    await expect(r.sender().handle(r.batchOf(s))).rejects.toBe(bug);
    expect(r.queue.sent).toEqual([]); // not put back as a transient failure
    expect(r.dueIndex.deferred).toEqual([]);
    // The claim stays: the call may have posted before the bug, so a later attempt looks before sending.
    expect((await r.store.get(s.scheduleId))?.sending).toMatchObject({ occurrence: s.nextRunAt, uncertain: false });
    r.advance(sendLeaseMs + 1_000);
    expect(await r.sender().handle(r.batchOf(s, 1))).toMatchObject({ sent: 1 });
    expect(r.chat.sent(THREAD)).toHaveLength(1);
  });

  it('a transient storage failure defers the occurrence in storage words, not ACS ones', async () => {
    const r = rig();
    const s = r.schedule();
    const get = r.store.get.bind(r.store);
    let failures = 1;
    r.store.get = async (id) => {
      if (failures-- > 0) {
        const e = Object.assign(new Error('Service Unavailable'), { name: 'RestError', statusCode: 503 });
        Object.defineProperty(e, 'request', { value: { url: 'http://127.0.0.1:10002/devstoreaccount1/schedules' } });
        throw e;
      }
      return get(id);
    };
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ deferred: 1, sent: 0 });
    expect(r.dueIndex.deferred[0]?.error).toMatch(/storage/i);
    expect(r.dueIndex.deferred[0]?.error).not.toMatch(/ACS/);
    expect(r.chat.sendCalls).toBe(0);
  });
});

describe('OccurrenceSender: the settle wait before looking for a message that may have been posted', () => {
  it('a 503 from ACS (which may have committed the message) waits the settle time before searching', async () => {
    const r = rig();
    const s = r.schedule();
    r.chat.loseNextResults.push(new AcsFailure('transient', 'ACS answered 503', 503));
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, deferred: 1 });
    const [retry] = r.queue.take();
    expect(retry?.delayMs).toBeGreaterThanOrEqual(settleMs);
    expect((await r.store.get(s.scheduleId))?.sending).toMatchObject({ uncertain: true });

    // Another delivery of the same occurrence before then (a duplicate message) neither searches nor sends.
    r.advance(5_000);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, recovered: 0, deferred: 1 });
    expect(r.queue.take()[0]?.delayMs).toBeGreaterThanOrEqual(settleMs - 5_000);

    r.advance((retry?.delayMs ?? 0) - 5_000);
    expect(await r.sender().handle(retry?.batch as SendBatch)).toMatchObject({ sent: 1, recovered: 1 });
    expect(r.chat.sendCalls).toBe(1);
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
  });

  it('a 429 or a 401, which posted nothing, does not wait to settle', async () => {
    const r = rig();
    const s = r.schedule();
    r.chat.failNextSends.push(new AcsFailure('unauthorized', 'ACS refused the app’s credentials (401)', 401));
    await r.sender().handle(r.batchOf(s));
    expect(r.queue.take()[0]?.delayMs).toBeLessThan(settleMs);
    expect((await r.store.get(s.scheduleId))?.sending).toBeUndefined();
  });
});

describe('OccurrenceSender: no attempt outlives its claim', () => {
  it('a claim that took the whole send window is given up, not sent on', async () => {
    const r = rig();
    const s = r.schedule();
    let slow = true;
    r.store.beforeReplace = (_current, next) => {
      if (slow && next.sending && !next.sending.uncertain) {
        slow = false;
        r.advance(sendTimeoutMs + 5_000); // the claim write itself was that slow
      }
    };
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, deferred: 1 });
    expect(r.chat.sendCalls).toBe(0);
    expect((await r.store.get(s.scheduleId))?.sending).toBeUndefined(); // released for the next attempt
    const [retry] = r.queue.take();
    r.advance(retry?.delayMs ?? 0);
    expect(await r.sender().handle(retry?.batch as SendBatch)).toMatchObject({ sent: 1 });
    expect(r.chat.sendCalls).toBe(1);
  });

  it('the send is given what is left of the send window counted from the claim, well inside the lease', async () => {
    const r = rig();
    const s = r.schedule();
    r.store.beforeReplace = (_current, next) => {
      if (next.sending && !next.sending.uncertain) r.advance(15_000);
    };
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 1 });
    expect(r.sendWindows).toEqual([sendTimeoutMs - 15_000]);
    expect(15_000 + (r.sendWindows[0] ?? 0)).toBeLessThan(sendLeaseMs);
  });

  it('a record that lands after the lease ended is safe: the attempt that took over found the message', async () => {
    const r = rig();
    const s = r.schedule();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const recordHeld = new Promise<void>((resolve) => (held = resolve));
    let first = true;
    r.store.beforeReplace = async (_current, next) => {
      if (isRecord(next) && first) {
        first = false;
        held();
        await gate; // the first attempt's record is stuck in storage past its lease
      }
    };
    const slow = r.sender().handle(r.batchOf(s));
    await recordHeld;
    r.advance(sendLeaseMs + 1_000);
    expect(await r.sender().handle(r.batchOf(s, 1))).toMatchObject({ sent: 1, recovered: 1 });
    release();
    expect(await slow).toMatchObject({ sent: 1 });
    const done = await r.store.get(s.scheduleId);
    expect(done).toMatchObject({ state: 'completed', occurrencesSent: 1 });
    expect(done?.messages).toHaveLength(1);
    expect(done?.sending).toBeUndefined();
    expect(r.chat.sendCalls).toBe(1);
    expect(r.chat.sent(THREAD)).toHaveLength(1);
  });
});

describe('OccurrenceSender: records that must land', () => {
  it('record() under more than 10 ETag conflicts still lands', async () => {
    const r = rig();
    const s = r.schedule();
    let conflicts = 0;
    r.store.beforeReplace = (_current, next) => (isRecord(next) && conflicts++ < 12 ? 'conflict' : undefined);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 1 });
    const done = await r.store.get(s.scheduleId);
    expect(done).toMatchObject({ state: 'completed', occurrencesSent: 1, lastMessageId: r.chat.sent(THREAD)[0]?.id });
    expect(done?.sending).toBeUndefined();
  });

  it('a record that never lands is not reported sent: the claim stays and a later attempt records the message', async () => {
    const r = rig();
    const s = r.schedule();
    let conflicting = true;
    r.store.beforeReplace = (_current, next) => (conflicting && isRecord(next) ? 'conflict' : undefined);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, deferred: 1 });
    expect(r.dueIndex.finished).toEqual([]);
    expect((await r.store.get(s.scheduleId))?.sending).toMatchObject({ occurrence: s.nextRunAt });

    conflicting = false;
    const [retry] = r.queue.take();
    r.advance(Math.max(retry?.delayMs ?? 0, sendLeaseMs + 1_000));
    expect(await r.sender().handle(retry?.batch as SendBatch)).toMatchObject({ sent: 1, recovered: 1 });
    expect(r.chat.sendCalls).toBe(1);
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
  });

  it('fail() under more than 10 ETag conflicts still lands', async () => {
    const r = rig();
    const s = r.schedule();
    r.chat.failNextSends.push(new AcsFailure('notFound', 'ACS answered 404', 404));
    let conflicts = 0;
    r.store.beforeReplace = (_current, next) => (isFail(next) && conflicts++ < 12 ? 'conflict' : undefined);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ failed: 1 });
    const failed = await r.store.get(s.scheduleId);
    expect(failed).toMatchObject({ state: 'failed', failure: { code: 'threadNotFound' } });
    expect(failed?.sending).toBeUndefined();
  });
});

describe('OccurrenceSender: a sending mark of an occurrence no longer pending', () => {
  const earlier = (s: Schedule) => new Date(Date.parse(s.nextRunAt as string) - 3_600_000).toISOString();

  it('an expired one does not hold back the pending occurrence', async () => {
    const r = rig();
    // The schedule was edited while its old occurrence was being sent, and that attempt died.
    const s = r.schedule();
    const marked = r.store.put({
      ...s,
      sending: { occurrence: earlier(s), since: r.now() - 10 * 60_000, uncertain: false },
    });
    expect(await r.sender().handle(r.batchOf(marked))).toMatchObject({ sent: 1 });
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
  });

  it('a live one holds it back only until its lease ends, not again and again', async () => {
    const r = rig();
    const s = r.schedule();
    const marked = r.store.put({ ...s, sending: { occurrence: earlier(s), since: r.now(), uncertain: false } });
    r.advance(10_000);
    expect(await r.sender().handle(r.batchOf(marked))).toMatchObject({ sent: 0, deferred: 1 });
    const [retry] = r.queue.take();
    expect(retry?.delayMs).toBeGreaterThanOrEqual(sendLeaseMs - 10_000);
    r.advance(retry?.delayMs ?? 0);
    expect(await r.sender().handle(retry?.batch as SendBatch)).toMatchObject({ sent: 1 });
  });
});

describe('OccurrenceSender: on time', () => {
  const dueIn = (r: ReturnType<typeof rig>, ms: number) => {
    const at = new Date(r.now() + ms).toISOString();
    return r.schedule({ timing: { kind: 'once', sendAt: at }, nextRunAt: at });
  };

  it('an occurrence delivered a little before its due time waits for it in-process, then is sent', async () => {
    const r = rig();
    const s = dueIn(r, 2_400);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 1, deferred: 0, maxLatenessMs: 0 });
    expect(r.sleeps).toEqual([2_400]);
    expect(r.queue.sent).toEqual([]);
  });

  it('one delivered long before its due time goes back on the queue, to come back just before it', async () => {
    const r = rig();
    const s = dueIn(r, 40_000);
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, deferred: 1 });
    expect(r.sleeps).toEqual([]);
    expect(r.chat.sendCalls).toBe(0);
    const [again] = r.queue.take();
    // Visible again within the in-process wait before its due time, never after it.
    expect(again?.delayMs).toBeLessThanOrEqual(39_000);
    expect(again?.delayMs).toBeGreaterThanOrEqual(35_000);
    r.advance(again?.delayMs ?? 0);
    expect(await r.sender().handle(again?.batch as SendBatch)).toMatchObject({ sent: 1, maxLatenessMs: 0 });
    expect(r.chat.sendCalls).toBe(1);
  });

  it('a recurring schedule sends each occurrence once, indexes the next, and completes after maxOccurrences', async () => {
    const r = rig();
    const first = (Math.floor(r.now() / 60_000) + 1) * 60_000;
    const at = new Date(first).toISOString();
    const s = r.schedule({
      timing: { kind: 'recurring', cron: '* * * * *', timeZone: 'UTC', maxOccurrences: 2 },
      nextRunAt: at,
    });
    r.advance(first - r.now());
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 1 });
    const after1 = await r.store.get(s.scheduleId);
    expect(after1).toMatchObject({
      state: 'active',
      occurrencesSent: 1,
      nextRunAt: new Date(first + 60_000).toISOString(),
    });
    expect(r.dueIndex.puts).toEqual([{ scheduleId: s.scheduleId, dueAt: first + 60_000 }]);
    // A second delivery of the first occurrence (the tick's safety net after the on-time send) sends nothing.
    expect(await r.sender().handle(r.batchOf(s))).toMatchObject({ sent: 0, duplicates: 1 });

    r.advance(60_000);
    expect(await r.sender().handle(r.batchOf(after1 as Schedule))).toMatchObject({ sent: 1 });
    const done = await r.store.get(s.scheduleId);
    expect(done).toMatchObject({ state: 'completed', occurrencesSent: 2, occurrencesSkipped: 0 });
    expect(done?.nextRunAt).toBeUndefined();
    expect(done?.messages.map((m) => m.occurrence)).toEqual([at, new Date(first + 60_000).toISOString()]);
    expect(r.chat.sendCalls).toBe(2);
  });
});

describe('OccurrenceSender: occurrences whose queue message was poisoned', () => {
  const { maxPoisonedHandOuts } = DEFAULT_SENDER_POLICY;

  it('are handed out again a few times, then given up: the schedule fails with the reason, nothing is sent', async () => {
    const r = rig();
    const s = r.schedule();
    for (let n = 1; n < maxPoisonedHandOuts; n++) {
      expect(await r.sender().abandon(r.batchOf(s))).toEqual([
        { item: r.batchOf(s).items[0], outcome: { kind: 'handed out again', poisoned: n, of: maxPoisonedHandOuts } },
      ]);
      expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'active' });
    }
    const [last] = await r.sender().abandon(r.batchOf(s));
    expect(last?.outcome).toEqual({ kind: 'given up' });
    const failed = await r.store.get(s.scheduleId);
    expect(failed).toMatchObject({ state: 'failed', failure: { code: 'deliveryFailed' } });
    expect(failed?.failure?.message).toContain(`${maxPoisonedHandOuts} hand-outs`);
    expect(failed?.nextRunAt).toBeUndefined();
    expect(r.dueIndex.finished).toEqual([
      expect.objectContaining({ scheduleId: s.scheduleId, outcome: 'failed', error: failed?.failure?.message }),
    ]);
    expect(r.chat.sendCalls).toBe(0);
    // A late delivery of the occurrence does not send it.
    expect(await r.sender().handle(r.batchOf(s, 1))).toMatchObject({ sent: 0, dropped: 1 });
    expect(r.chat.sendCalls).toBe(0);
  });

  it('one an earlier attempt posted is recorded as sent when given up, not failed', async () => {
    const r = rig({ maxPoisonedHandOuts: 1 });
    const s = r.schedule();
    // ACS posts the message but its answer is lost: the claim stays, marked uncertain.
    r.chat.loseNextResults.push(new AcsFailure('transient', 'ACS answered 503', 503));
    await r.sender().handle(r.batchOf(s));
    r.queue.take();
    r.advance(sendTimeoutMs + settleMs + 1_000);
    const [given] = await r.sender().abandon(r.batchOf(s));
    expect(given?.outcome).toEqual({ kind: 'recorded' });
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
    expect(r.chat.sent(THREAD)).toHaveLength(1);
  });

  it('one an attempt may still be posting is left to it', async () => {
    const r = rig({ maxPoisonedHandOuts: 1 });
    const s = r.schedule();
    r.chat.loseNextResults.push(new AcsFailure('transient', 'ACS answered 503', 503));
    await r.sender().handle(r.batchOf(s));
    const [given] = await r.sender().abandon(r.batchOf(s));
    expect(given?.outcome).toEqual({ kind: 'still being sent' });
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'active' });
  });

  it('one that finished meanwhile is left alone', async () => {
    const r = rig({ maxPoisonedHandOuts: 1 });
    const s = r.schedule();
    await r.sender().handle(r.batchOf(s));
    const [given] = await r.sender().abandon(r.batchOf(s));
    expect(given?.outcome).toEqual({ kind: 'finished' });
    expect(await r.store.get(s.scheduleId)).toMatchObject({ state: 'completed', occurrencesSent: 1 });
  });
});
