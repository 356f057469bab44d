import path from 'path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type TestAzurite } from '../../../support/azurite';
import { FIXTURES, startHostProcess, type HostProcess } from '../../../support/hostProcess';
import { eventually } from '../../../support/processes';

const statusBlob = (name: string): string => `timers/fixture-monitor-app/Host.Functions.${name}/status`;

async function readStatus(container: ContainerClient, name: string): Promise<Record<string, string> | undefined> {
  const blob = container.getBlockBlobClient(statusBlob(name));
  if (!(await blob.exists())) return undefined;
  return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, string>;
}

describe('local host: timer schedule monitor in Azurite (isPastDue after downtime)', () => {
  let azurite: TestAzurite | undefined;
  let host: HostProcess | undefined;
  let container: ContainerClient;
  let hostStartedAt = 0;
  const missedNext = new Date(Date.now() - 2 * 3600_000);
  missedNext.setUTCMinutes(0, 0, 0);

  beforeAll(async () => {
    azurite = await startAzurite();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'azure-webjobs-hosts',
    );
    await container.createIfNotExists();
    // A previous host run saved this status, then stopped before the "Next" occurrence.
    const stored = JSON.stringify({
      Last: new Date(missedNext.getTime() - 3600_000).toISOString(),
      Next: missedNext.toISOString(),
      LastUpdated: new Date(missedNext.getTime() - 3600_000).toISOString(),
    });
    await container.getBlockBlobClient(statusBlob('hourly')).upload(stored, Buffer.byteLength(stored));
    hostStartedAt = Date.now();
    host = await startHostProcess(path.join(FIXTURES, 'monitor-app'), {
      env: { AzureWebJobsStorage: azurite.connectionString },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('runs a missed occurrence once at start with isPastDue and the stored schedule status', async () => {
    const records = await eventually(
      () => host?.records() ?? [],
      (r) => r.some((x) => x.fn === 'hourly'),
      15_000,
      'the past-due run',
    );
    const runs = records.filter((x) => x.fn === 'hourly');
    expect(runs).toHaveLength(1);
    // Times as the runtime's JSON writes them: no fraction when it is zero.
    const dotNet = missedNext.toISOString().replace('.000Z', 'Z');
    expect(runs[0]).toMatchObject({ isPastDue: true, scheduleStatus: { next: dotNet } });
  });

  it('saves the new status after the run: Last = the missed occurrence, Next in the future', async () => {
    const status = await eventually(
      () => readStatus(container, 'hourly'),
      (s) => s?.Last === missedNext.toISOString().replace('.000Z', 'Z'),
      10_000,
      'the updated status blob',
    );
    // The first hour boundary after the run, which came after the host started.
    const next = Date.parse(String(status?.Next));
    expect(next).toBeGreaterThan(hostStartedAt);
    expect(next).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(String(status?.Next)).toMatch(/T\d\d:00:00Z$/);
  });

  it('writes an initial status for a timer without one, and does not run it', async () => {
    const status = await eventually(
      () => readStatus(container, 'daily'),
      (s) => s !== undefined,
      10_000,
      'the initial daily status',
    );
    expect(String(status?.Next)).toMatch(/T02:30:00Z$/);
    expect((host?.records() ?? []).some((x) => x.fn === 'daily')).toBe(false);
  });
});
