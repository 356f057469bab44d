import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { tableJobStore } from '../../../src/participants/jobStore';
import { STORAGE_NAMES } from '../../../src/storage/names';
import { createUsers, startAppStack, threadPath, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';

interface Outcome {
  id: string;
  status: 'added' | 'retrying' | 'failed';
  attempts?: number;
  error?: { code: string; message: string };
}
interface BulkAnswer {
  threadId: string;
  jobId?: string;
  participants: Outcome[];
}

async function newThread(stack: AppStack, topic: string): Promise<string> {
  const res = await stack.api('POST', '/api/threads', { topic });
  expect(res.status).toBe(201);
  return (res.json as BulkAnswer).threadId;
}

/**
 * How often each user was added, from the thread's participantAdded system messages (one per add that added
 * someone): the member list is a set, so it cannot show a double add.
 */
async function addedCounts(stack: AppStack, threadId: string, memberId: string): Promise<Map<string, number>> {
  const token = (await stack.identity.getToken({ communicationUserId: memberId }, ['chat'])).token;
  const counts = new Map<string, number>();
  for await (const m of stack.chatAs(token).getChatThreadClient(threadId).listMessages()) {
    if (m.type !== 'participantAdded') continue;
    for (const p of m.content?.participants ?? []) {
      const id = (p.id as { communicationUserId: string }).communicationUserId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** The final outcome of every participant: from the answer, or from the job once it has finished. */
async function settle(stack: AppStack, answer: BulkAnswer): Promise<Outcome[]> {
  if (!answer.jobId) return answer.participants;
  const job = await eventually(
    async () => (await stack.api('GET', threadPath(answer.threadId, `/participants/jobs/${answer.jobId}`))).json,
    (j) => (j as { state?: string }).state === 'completed',
    120_000,
    `job ${answer.jobId} to complete`,
  );
  return (job as { participants: Outcome[] }).participants;
}

describe('bulk add with transient faults and invalid participants', () => {
  let stack: AppStack;
  beforeAll(async () => {
    // A fast housekeeping timer, so the job sweep runs within the test.
    stack = await startAppStack({ env: { HOUSEKEEPING_CRON: '*/2 * * * * *' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(async () => {
    await stack.admin.clearFaults();
  });

  it('adds 600 across three threads under 20% transient faults; only the 10 invalid ones fail', async () => {
    const users = await createUsers(stack, 600);
    const invalid = users.filter((_, i) => i % 60 === 7); // 10 users the service will refuse
    expect(invalid).toHaveLength(10);
    const threads = await Promise.all([0, 1, 2].map((i) => newThread(stack, `bulk ${i}`)));
    await stack.admin.addFault({
      kind: 'invalidParticipant',
      userIds: invalid,
      code: 'Forbidden',
      message: 'The user cannot be added to this thread.',
    });
    // About 20% of add calls fail transiently: 429 without and with Retry-After, and 503.
    await stack.admin.addFault({ kind: 'status', operation: 'AddChatParticipants', status: 429, rate: 0.07 });
    await stack.admin.addFault({
      kind: 'status',
      operation: 'AddChatParticipants',
      status: 429,
      retryAfterSeconds: 1,
      rate: 0.07,
    });
    await stack.admin.addFault({ kind: 'status', operation: 'AddChatParticipants', status: 503, rate: 0.07 });

    // Each thread gets its 200 in batches of 50 (more add calls, so more faults to survive).
    const results = await Promise.all(
      threads.map(async (threadId, t) => {
        const mine = users.slice(t * 200, (t + 1) * 200);
        const outcomes: Outcome[] = [];
        for (let i = 0; i < mine.length; i += 50) {
          const res = await stack.api('POST', threadPath(threadId, '/participants'), {
            participants: mine.slice(i, i + 50).map((id) => ({ id })),
          });
          expect([201, 202]).toContain(res.status);
          outcomes.push(...(await settle(stack, res.json as BulkAnswer)));
        }
        return { threadId, mine, outcomes };
      }),
    );
    await stack.admin.clearFaults();

    const failed = results.flatMap((r) => r.outcomes.filter((o) => o.status === 'failed'));
    expect(failed.map((o) => o.id).sort()).toEqual([...invalid].sort());
    for (const f of failed)
      expect(f.error).toEqual({ code: 'Forbidden', message: 'The user cannot be added to this thread.' });
    expect(results.flatMap((r) => r.outcomes).filter((o) => o.status === 'retrying')).toEqual([]);

    for (const { threadId, mine } of results) {
      const valid = mine.filter((id) => !invalid.includes(id));
      const counts = await addedCounts(stack, threadId, valid[0] as string);
      for (const id of valid) expect(counts.get(id)).toBe(1);
      for (const id of invalid) expect(counts.has(id)).toBe(false);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
    }
  }, 300_000);

  it('finishes a job after the host is killed while participants are still retrying', async () => {
    const users = await createUsers(stack, 40);
    const threadId = await newThread(stack, 'killed host');
    await stack.admin.addFault({ kind: 'status', operation: 'AddChatParticipants', status: 503 });
    const res = await stack.api('POST', threadPath(threadId, '/participants'), {
      participants: users.map((id) => ({ id, displayName: 'x' })),
    });
    expect(res.status).toBe(202);
    const answer = res.json as BulkAnswer;
    expect(answer.jobId).toBeDefined();
    expect(answer.participants.every((p) => p.status === 'retrying')).toBe(true);

    // Let a background round start failing, then kill the host mid-job and heal ACS.
    await eventually(
      async () => (await stack.api('GET', threadPath(threadId, `/participants/jobs/${answer.jobId}`))).json,
      (j) => ((j as { participants: Outcome[] }).participants[0]?.attempts ?? 0) > 1,
      60_000,
      'a background round',
    );
    await stack.restartHost({ kill: true });
    await stack.admin.clearFaults();

    const outcomes = await settle(stack, answer);
    expect(outcomes.filter((o) => o.status !== 'added')).toEqual([]);
    const counts = await addedCounts(stack, threadId, users[0] as string);
    for (const id of users) expect(counts.get(id)).toBe(1);
  }, 300_000);

  it('finishes a job row left with no queue message: the housekeeping sweep re-drives it', async () => {
    const users = await createUsers(stack, 5);
    const threadId = await newThread(stack, 'orphaned job');
    // What a request that crashed between writing its job and queueing its first round leaves behind: the row
    // (last moved on an hour ago, well past the sweep's threshold) and no message.
    const jobs = tableJobStore(
      TableClient.fromConnectionString(stack.azurite.connectionString, STORAGE_NAMES.tables.participantJobs, {
        allowInsecureConnection: true,
      }),
    );
    const jobId = randomUUID();
    await jobs.create(
      { jobId, threadId, createdAt: new Date(Date.now() - 3_600_000).toISOString() },
      users.map((id) => ({ id, status: 'retrying' as const, attempts: 1 })),
    );

    const outcomes = await settle(stack, { threadId, jobId, participants: [] });
    expect(outcomes.map((o) => [o.id, o.status])).toEqual(users.map((id) => [id, 'added']));
    const counts = await addedCounts(stack, threadId, users[0] as string);
    for (const id of users) expect(counts.get(id)).toBe(1);
  }, 180_000);

  it('splits a chunk the service refuses with a 400 and adds the rest', async () => {
    const users = await createUsers(stack, 12);
    const threadId = await newThread(stack, 'split');
    await stack.admin.addFault({ kind: 'status', operation: 'AddChatParticipants', status: 400, count: 1 });
    const res = await stack.api('POST', threadPath(threadId, '/participants'), {
      participants: users.map((id) => ({ id })),
    });
    expect(res.status).toBe(201);
    const outcomes = (res.json as BulkAnswer).participants;
    // The refused call held all 12; the two halves that followed were accepted.
    expect(outcomes.map((p) => [p.status, p.attempts])).toEqual(users.map(() => ['added', 2]));
  }, 120_000);
});
