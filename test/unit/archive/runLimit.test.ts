/**
 * How many queued archive runs one process carries out at once: past the limit a job goes back on the queue with a
 * delay, instead of holding a queue message (and memory) while it waits. Blobs and the run log are Azurite's.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { ArchiveService, BUSY_REQUEUE_MS, type ArchiveJob } from '../../../src/archive/archiveService';
import { ArchiveStore } from '../../../src/archive/archiveStore';
import { tableRunLog } from '../../../src/archive/runLog';
import type { JsonQueue } from '../../../src/storage/jsonQueue';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { FakeChat } from '../../support/fakeChat';
import { memoryNotes } from './fakes';

/** A chat whose message listing waits until the test opens the gate: a run in progress. */
class GatedChat extends FakeChat {
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  listed = 0;
  release(): void {
    this.open();
  }
  override async listMessagesPage(...args: Parameters<FakeChat['listMessagesPage']>) {
    this.listed++;
    await this.gate;
    return super.listMessagesPage(...args);
  }
}

describe('ArchiveService.runJob: runs at once per process', () => {
  let azurite: TestAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('past maxRunsAtOnce a job waits for a slot, and is queued again with a delay when none comes free in time', async () => {
    const chat = new GatedChat();
    for (const id of ['19:a@thread.v2', '19:b@thread.v2', '19:c@thread.v2']) chat.addThread(id);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('runlimit');
    await container.createIfNotExists();
    const runs = tableRunLog(
      TableClient.fromConnectionString(azurite.connectionString, 'runlimitruns', { allowInsecureConnection: true }),
    );
    const requeued: { job: ArchiveJob; delayMs: number | undefined }[] = [];
    const queue: JsonQueue<ArchiveJob> = { send: async (job, delayMs) => void requeued.push({ job, delayMs }) };
    const service = new ArchiveService({
      chat,
      store: new ArchiveStore(container),
      runs,
      notes: memoryNotes(),
      queue,
      maxRunsAtOnce: 2,
      slotWaitMs: 1_000,
    });
    const job = (threadId: string): ArchiveJob => ({
      threadId,
      runId: `run-${threadId}`,
      runKey: `key-${threadId}`,
      trigger: 'timer',
    });

    const first = service.runJob(job('19:a@thread.v2'));
    const second = service.runJob(job('19:b@thread.v2'));
    while (chat.listed < 2) await new Promise((resolve) => setTimeout(resolve, 10)); // both are listing messages
    // A third waits for a slot, and goes back on the queue when none comes free in time.
    expect(await service.runJob(job('19:c@thread.v2'))).toBe('requeued');
    expect(requeued).toEqual([{ job: job('19:c@thread.v2'), delayMs: BUSY_REQUEUE_MS }]);
    // One that is waiting when a run ends takes its slot.
    const waiting = service.runJob(job('19:c@thread.v2'));
    await new Promise((resolve) => setTimeout(resolve, 20));

    chat.release();
    expect(await first).toMatchObject({ outcome: 'succeeded' });
    expect(await second).toMatchObject({ outcome: 'succeeded' });
    expect(await waiting).toMatchObject({ outcome: 'succeeded' });
    expect(requeued).toHaveLength(1);
  });
});
