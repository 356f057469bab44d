import { AcsFailure } from '../../../src/acs/acsErrors';
import { BulkAdd, type RetryMessage } from '../../../src/participants/bulkAdd';
import { ParticipantJobSweep } from '../../../src/participants/jobSweep';
import type { Job, JobParticipant, JobStore } from '../../../src/participants/jobStore';
import { DomainError } from '../../../src/domainErrors';
import { FakeChat, SERVICE_USER, userId } from '../../support/fakeChat';

class MemoryJobs implements JobStore {
  readonly jobs = new Map<string, { job: Job; participants: Map<string, JobParticipant> }>();
  private etags = 0;
  async create(job: Omit<Job, 'etag' | 'updatedAt' | 'round' | 'state'>, participants: JobParticipant[]) {
    this.jobs.set(job.jobId, {
      job: { ...job, round: 0, state: 'running', updatedAt: job.createdAt, etag: String(++this.etags) },
      participants: new Map(participants.map((p) => [p.id, p])),
    });
  }
  async get(jobId: string) {
    const j = this.jobs.get(jobId);
    return j && { job: { ...j.job }, participants: [...j.participants.values()].map((p) => ({ ...p })) };
  }
  async saveParticipants(jobId: string, participants: JobParticipant[]) {
    for (const p of participants) this.jobs.get(jobId)?.participants.set(p.id, p);
  }
  async advance(job: Job, next: Pick<Job, 'round' | 'state'>, updatedAt = new Date().toISOString()) {
    const j = this.jobs.get(job.jobId);
    if (!j || j.job.etag !== job.etag) return undefined;
    j.job = { ...j.job, ...next, updatedAt, etag: String(++this.etags) };
    return { ...j.job };
  }
  async pruneCompleted(): Promise<number> {
    return 0; // retention is tested against Table storage (test/unit/housekeeping)
  }
  async listStale(updatedBefore: string) {
    return [...this.jobs.values()]
      .map((j) => ({ ...j.job }))
      .filter((j) => j.state === 'running' && j.updatedAt < updatedBefore);
  }
}

function setup(fail: (call: number) => AcsFailure | undefined, maxAttempts = 4) {
  const chat = new FakeChat();
  const threadId = '19:t1@thread.v2';
  chat.threads.set(threadId, {
    info: { id: threadId, topic: 't', createdOn: '' },
    members: new Map([[SERVICE_USER, { id: SERVICE_USER }]]),
    messages: [],
  });
  chat.addFailure = (_ids, call) => fail(call);
  const jobs = new MemoryJobs();
  const sent: { message: RetryMessage; delayMs: number }[] = [];
  let now = 0;
  const bulk = new BulkAdd({
    chat,
    jobs,
    queue: { send: async (message, delayMs = 0) => void sent.push({ message, delayMs }) },
    policy: { requestBudgetMs: 100, roundBudgetMs: 100, maxAttempts },
    now: () => now,
    addOptions: { now: () => now, sleep: async (ms) => void (now += ms), random: () => 0.5 },
  });
  return { chat, threadId, jobs, sent, bulk };
}

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: userId(i + 1) }));
const unavailable = () => new AcsFailure('transient', 'ACS answered 503', 503);

describe('BulkAdd', () => {
  it('answers without a job when everything settles in the request', async () => {
    const { bulk, threadId, sent } = setup(() => undefined);
    const result = await bulk.add(threadId, people(3));
    expect(result.jobId).toBeUndefined();
    expect(result.participants.map((p) => p.status)).toEqual(['added', 'added', 'added']);
    expect(sent).toEqual([]);
  });

  it('counts members already in the thread as added, without a call', async () => {
    const { bulk, threadId, chat } = setup(() => undefined);
    chat.thread(threadId).members.set(userId(1), { id: userId(1) });
    const result = await bulk.add(threadId, people(2));
    expect(result.participants[0]).toEqual({ id: userId(1), status: 'added' });
    expect(chat.addCalls).toEqual([[userId(2)]]);
  });

  it('refuses more participants than the thread has room for, naming the limit', async () => {
    const { bulk, threadId } = setup(() => undefined);
    await expect(bulk.add(threadId, people(250))).rejects.toThrow(DomainError);
    await expect(bulk.add(threadId, people(250))).rejects.toThrow(/room for 249 more \(limit 250 per thread\)/);
  });

  it('parks what still fails in a job and finishes it in a later round', async () => {
    let healthy = false;
    const { bulk, threadId, sent, jobs, chat } = setup(() => (healthy ? undefined : unavailable()));
    const result = await bulk.add(threadId, people(3));
    expect(result.jobId).toBeDefined();
    expect(result.participants.every((p) => p.status === 'retrying' && p.nextAttemptAt)).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.message).toEqual({ jobId: result.jobId, round: 0 });

    healthy = true;
    await bulk.retryRound(sent[0]!.message);
    const job = await jobs.get(result.jobId!);
    expect(job?.job.state).toBe('completed');
    expect(job?.participants.every((p) => p.status === 'added')).toBe(true);
    expect(chat.thread(threadId).members.size).toBe(4);

    // The same message delivered again changes nothing and makes no call.
    const calls = chat.addCalls.length;
    await bulk.retryRound(sent[0]!.message);
    expect(chat.addCalls.length).toBe(calls);
  });

  it('schedules the next round with the message round number, and ignores stale rounds', async () => {
    const { bulk, threadId, sent, jobs } = setup(() => unavailable(), 20);
    const { jobId } = await bulk.add(threadId, people(1));
    await bulk.retryRound({ jobId: jobId!, round: 0 });
    expect(sent.map((s) => s.message.round)).toEqual([0, 1]);
    expect(sent[1]!.delayMs).toBeGreaterThanOrEqual(2000);
    await bulk.retryRound({ jobId: jobId!, round: 0 }); // a redelivery of round 0
    expect(sent).toHaveLength(2);
    expect((await jobs.get(jobId!))?.job.round).toBe(1);
  });

  it('fails a participant for good after the maximum attempts, keeping the last error', async () => {
    const { bulk, threadId, sent, jobs } = setup(() => unavailable());
    const { jobId } = await bulk.add(threadId, people(1));
    for (let i = 0; i < 10 && (await jobs.get(jobId!))?.job.state === 'running'; i++) {
      await bulk.retryRound(sent[sent.length - 1]!.message);
    }
    const job = await jobs.get(jobId!);
    expect(job?.job.state).toBe('completed');
    expect(job?.participants[0]?.status).toBe('failed');
    expect(job?.participants[0]?.error?.code).toBe('RetriesExhausted');
    expect(job?.participants[0]?.error?.message).toContain('ACS answered 503');
  });

  it('marks members found at the start of a round as added (a crash after ACS added them)', async () => {
    const { bulk, threadId, sent, jobs, chat } = setup(() => unavailable());
    const { jobId } = await bulk.add(threadId, people(2));
    chat.thread(threadId).members.set(userId(1), { id: userId(1) });
    chat.addFailure = () => undefined;
    const calls = chat.addCalls.length;
    await bulk.retryRound(sent[0]!.message);
    expect(chat.addCalls.slice(calls)).toEqual([[userId(2)]]);
    expect((await jobs.get(jobId!))?.participants.map((p) => p.status)).toEqual(['added', 'added']);
  });

  it('fails a job’s participants on a 401 with a clear error, instead of retrying them round after round', async () => {
    let keyRotated = false;
    const { bulk, threadId, sent, jobs, chat } = setup(() =>
      keyRotated ? new AcsFailure('unauthorized', 'ACS refused the app’s credentials (401)', 401) : unavailable(),
    );
    const { jobId } = await bulk.add(threadId, people(2));
    const callsInRequest = chat.addCalls.length;
    keyRotated = true;
    await bulk.retryRound(sent[0]!.message);
    const job = await jobs.get(jobId!);
    expect(job?.job.state).toBe('completed');
    expect(job?.participants.map((p) => [p.status, p.error?.code])).toEqual([
      ['failed', 'Unauthorized'],
      ['failed', 'Unauthorized'],
    ]);
    expect(sent).toHaveLength(1); // no further round
    expect(chat.addCalls.length - callsInRequest).toBe(1);
  });

  it('throws a bug inside an add call (for the request to answer 500), instead of parking it as retrying', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const { bulk, threadId, sent, chat } = setup(() => {
      throw bug;
    });
    await expect(bulk.add(threadId, people(2))).rejects.toBe(bug);
    expect(chat.addCalls).toHaveLength(1);
    expect(sent).toEqual([]);
  });

  it('runs a round once when two deliveries of its message arrive together: one next round is queued', async () => {
    const { bulk, threadId, sent } = setup(() => unavailable(), 20);
    await bulk.add(threadId, people(2));
    await Promise.all([bulk.retryRound(sent[0]!.message), bulk.retryRound(sent[0]!.message)]);
    expect(sent.map((s) => s.message.round)).toEqual([0, 1]);
  });
});

describe('ParticipantJobSweep', () => {
  it('re-drives a job row left with no queue message (a crash between the row and the message)', async () => {
    const { bulk, threadId, sent, jobs, chat } = setup(() => undefined);
    // The request wrote the job and died before its first message.
    await jobs.create({ jobId: 'j1', threadId, createdAt: '2026-12-05T09:00:00.000Z' }, [
      { id: userId(1), status: 'retrying', attempts: 1 },
    ]);
    const sweep = new ParticipantJobSweep({
      jobs,
      queue: { send: async (message, delayMs = 0) => void sent.push({ message, delayMs }) },
      staleAfterMs: 15 * 60_000,
      now: () => Date.parse('2026-12-05T10:00:00.000Z'),
    });
    expect(await sweep.run()).toBe(1);
    expect(sent.map((s) => s.message)).toEqual([{ jobId: 'j1', round: 0 }]);
    // Swept again before the message ran: the job was touched, so it is not stale yet.
    expect(await sweep.run()).toBe(0);
    await bulk.retryRound(sent[0]!.message);
    expect((await jobs.get('j1'))?.job.state).toBe('completed');
    expect(chat.thread(threadId).members.has(userId(1))).toBe(true);
  });
});
