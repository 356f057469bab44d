/**
 * A run killed mid-upload (SIGKILL of the host) and taken up again by a new host: the archive is consistent at
 * the moment of the kill (every part the manifest lists is there and verifies) and, once the queue redelivers the
 * job, complete: counts match the thread, no record twice, no orphan part, checksums verify.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { startAppStack, type AppStack } from '../../support/appStack';
import { eventually } from '../../support/processes';
import {
  CONTAINER,
  archiveNow,
  createThreadWithMember,
  expectedRecord,
  listAll,
  readBack,
  sendMessages,
  verifyStoredArchive,
  waitForRun,
  type ManifestView,
} from './archiveHelpers';

describe('history archive: a run killed mid-upload', () => {
  let stack: AppStack;
  beforeAll(async () => {
    stack = await startAppStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('resumes after kill -9 without losing or duplicating a record', async () => {
    // ~6 KB messages: about 15 MB of NDJSON, so four 4 MiB parts.
    const thread = await createThreadWithMember(stack, 'Crash test');
    await sendMessages(thread, 2_400, 'big', 6_000);
    // Slow pages down so the run is still going when its first part is recorded.
    const slow = await stack.admin.addFault({ kind: 'latency', operation: 'ListChatMessages', latencyMs: 250 });

    const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      CONTAINER,
    );
    const manifestBlob = container.getBlockBlobClient(`${thread.threadId}/manifest.json`);
    const readManifest = async (): Promise<ManifestView | undefined> =>
      (await manifestBlob.exists())
        ? (JSON.parse((await manifestBlob.downloadToBuffer()).toString('utf8')) as ManifestView)
        : undefined;

    const runId = await archiveNow(stack, thread.threadId);
    await eventually(readManifest, (m) => (m?.parts.length ?? 0) >= 1, 60_000, 'the first recorded part');
    await stack.restartHost({ kill: true });

    // At the kill: what the manifest lists is there and verifies, and the run had not finished.
    const atKill = (await readManifest()) as ManifestView;
    expect(atKill.lastRun).toBeUndefined();
    const listedParts = new Set(atKill.parts.map((p) => p.name));
    for (const part of atKill.parts) {
      expect(await container.getBlockBlobClient(`${thread.threadId}/${part.name}`).exists()).toBe(true);
    }
    const leftBehind: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: `${thread.threadId}/parts/` })) {
      if (!listedParts.has(b.name.slice(thread.threadId.length + 1))) leftBehind.push(b.name);
    }

    await stack.admin.request('DELETE', `/admin/faults/${slow.id}`);
    // The dead host's queue lease and blob lease both run out within 30 s; the new host then takes the job up.
    const done = await waitForRun(stack, thread.threadId, runId, 180_000);
    expect(done.lastRun).toMatchObject({ runId, state: 'succeeded' });

    const listed = (await listAll(thread.member.chat)).reverse();
    const records = await verifyStoredArchive(stack, thread.threadId); // checksums, no duplicates, no orphans
    expect(records).toHaveLength(listed.length);
    expect(done.counts).toMatchObject({ messages: listed.length, records: listed.length, changes: 0 });
    expect(done.coverage).toEqual([[1, Number(listed[listed.length - 1]?.sequenceId)]]);
    // The parts recorded before the kill are kept as they were; the resumed run only added to them.
    expect(done.parts.length).toBeGreaterThan(atKill.parts.length);
    expect(done.parts.slice(0, atKill.parts.length)).toEqual(atKill.parts);
    expect(done.lastRun?.newMessages).toBe(listed.length - atKill.counts.messages);
    expect(await readBack(stack, thread.threadId, '?includeSystem=true')).toEqual(listed.map(expectedRecord));
    // What the killed run had uploaded without recording is either the very part the resumed run wrote again (same
    // records, same name) or gone.
    const finalParts = new Set(done.parts.map((p) => `${thread.threadId}/${p.name}`));
    for (const name of leftBehind) {
      expect(finalParts.has(name) || !(await container.getBlockBlobClient(name).exists())).toBe(true);
    }
  }, 420_000);
});
