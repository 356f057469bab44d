import { AcsFailure } from '../../../src/acs/acsErrors';
import { addInChunks } from '../../../src/participants/addInChunks';
import { FakeChat, userId } from '../../support/fakeChat';

function setup(): { chat: FakeChat; threadId: string } {
  const chat = new FakeChat();
  const threadId = '19:t1@thread.v2';
  chat.threads.set(threadId, { info: { id: threadId, topic: 't', createdOn: '' }, members: new Map(), messages: [] });
  return { chat, threadId };
}

const people = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: userId(from + i) }));
const noWait = { sleep: async () => undefined, random: () => 0.5 };

describe('addInChunks', () => {
  it('adds in calls of at most 200', async () => {
    const { chat, threadId } = setup();
    const outcomes = await addInChunks(chat, threadId, people(450), { budgetMs: 1000, ...noWait });
    expect(chat.addCalls.map((c) => c.length)).toEqual([200, 200, 50]);
    expect(outcomes.every((o) => o.status === 'added' && o.attempts === 1)).toBe(true);
  });

  it('fails for good the participants the service lists as invalid, with its reason', async () => {
    const { chat, threadId } = setup();
    chat.refused.set(userId(3), { code: 'Forbidden', message: 'no' });
    const outcomes = await addInChunks(chat, threadId, people(5), { budgetMs: 1000, ...noWait });
    expect(outcomes.find((o) => o.id === userId(3))).toEqual({
      id: userId(3),
      status: 'failed',
      attempts: 1,
      error: { code: 'Forbidden', message: 'no' },
    });
    expect(outcomes.filter((o) => o.status === 'added')).toHaveLength(4);
  });

  it('splits a refused chunk until the ids the service refuses are isolated', async () => {
    const { chat, threadId } = setup();
    const bad = new Set([userId(5), userId(13)]);
    chat.addFailure = (ids) => (ids.some((id) => bad.has(id)) ? new AcsFailure('invalid', 'bad id', 400) : undefined);
    const outcomes = await addInChunks(chat, threadId, people(16), { budgetMs: 1000, ...noWait });
    expect(outcomes.filter((o) => o.status === 'failed').map((o) => o.id)).toEqual([userId(5), userId(13)]);
    expect(outcomes.filter((o) => o.status === 'added')).toHaveLength(14);
    expect(chat.thread(threadId).members.size).toBe(14);
  });

  it('retries transient failures and honours Retry-After', async () => {
    const { chat, threadId } = setup();
    const waits: number[] = [];
    chat.addFailure = (_ids, call) =>
      call === 1
        ? new AcsFailure('throttled', '429', 429, 1500)
        : call === 2
          ? new AcsFailure('transient', '503', 503)
          : undefined;
    const outcomes = await addInChunks(chat, threadId, people(3), {
      budgetMs: 10_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });
    expect(waits[0]).toBe(1500);
    expect(waits[1]).toBeLessThanOrEqual(400); // full jitter under 2 × 200 ms
    expect(outcomes.every((o) => o.status === 'added' && o.attempts === 3)).toBe(true);
  });

  it('leaves participants retrying when the budget runs out, with the last error', async () => {
    const { chat, threadId } = setup();
    let now = 0;
    chat.addFailure = () => new AcsFailure('transient', 'ACS answered 503', 503);
    const outcomes = await addInChunks(chat, threadId, people(2), {
      budgetMs: 1000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      random: () => 0.99,
    });
    expect(outcomes.map((o) => o.status)).toEqual(['retrying', 'retrying']);
    expect(outcomes[0]?.error).toEqual({ code: 'Unavailable', message: 'ACS answered 503' });
    expect(outcomes[0]?.attempts).toBeGreaterThan(1);
  });

  it('fails everyone for good when the thread is gone', async () => {
    const { chat } = setup();
    const outcomes = await addInChunks(chat, '19:gone@thread.v2', people(2), { budgetMs: 1000, ...noWait });
    expect(outcomes.map((o) => [o.status, o.error?.code])).toEqual([
      ['failed', 'ThreadNotFound'],
      ['failed', 'ThreadNotFound'],
    ]);
  });

  it('counts attempts on top of earlier rounds', async () => {
    const { chat, threadId } = setup();
    const outcomes = await addInChunks(chat, threadId, people(1), {
      budgetMs: 1000,
      priorAttempts: new Map([[userId(1), 4]]),
      ...noWait,
    });
    expect(outcomes[0]?.attempts).toBe(5);
  });

  it('throws a bug (a TypeError) inside an add call as it is, without retrying it as transient', async () => {
    const { chat, threadId } = setup();
    const bug = new TypeError("Cannot read properties of undefined (reading 'map')");
    chat.addFailure = () => {
      throw bug;
    };
    await expect(addInChunks(chat, threadId, people(3), { budgetMs: 10_000, ...noWait })).rejects.toBe(bug);
    expect(chat.addCalls).toHaveLength(1);
  });

  it('fails participants for good on a 401 (the app’s own credentials), saying an operator must fix them', async () => {
    const { chat, threadId } = setup();
    chat.addFailure = () => new AcsFailure('unauthorized', 'ACS refused the app’s credentials (401)', 401);
    const outcomes = await addInChunks(chat, threadId, people(2), { budgetMs: 10_000, ...noWait });
    expect(chat.addCalls).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(outcomes[0]?.error?.code).toBe('Unauthorized');
    expect(outcomes[0]?.error?.message).toMatch(/credentials.*ACS_CONNECTION_STRING/);
  });
});
