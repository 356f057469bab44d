import path from 'path';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type TestAzurite } from '../../../support/azurite';
import { FIXTURES, startHostProcess, type HostProcess } from '../../../support/hostProcess';
import { eventually } from '../../../support/processes';

const base64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('local host: Storage Queue triggers against Azurite', () => {
  let azurite: TestAzurite | undefined;
  let host: HostProcess | undefined;
  let queues: QueueServiceClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    host = await startHostProcess(path.join(FIXTURES, 'queue-app'), {
      env: { AzureWebJobsStorage: azurite.connectionString },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('lists the queue trigger', () => {
    expect(host?.output()).toContain('worker: queueTrigger (jobs)');
  });

  it('runs the function for a base64 message sent with @azure/storage-queue, then deletes it', async () => {
    const jobs = queues.getQueueClient('jobs');
    await jobs.createIfNotExists();
    const sent = await jobs.sendMessage(base64({ task: 'hello', n: 1 }));
    const records = await eventually(
      () => host?.records() ?? [],
      (r) => r.some((x) => x.fn === 'worker' && x.id === sent.messageId),
      15_000,
      'the queue message',
    );
    const record = records.find((x) => x.id === sent.messageId);
    expect(record).toMatchObject({ message: { task: 'hello', n: 1 }, dequeueCount: 1 });
    expect(Date.parse(String(record?.insertionTime))).toBe(sent.insertedOn.getTime());
    await eventually(
      async () => (await jobs.getProperties()).approximateMessagesCount,
      (count) => count === 0,
      10_000,
      'the message to be deleted',
    );
  });

  it('a slow message does not hold up the next ones: a new batch is fetched while it runs', async () => {
    const jobs = queues.getQueueClient('jobs');
    const slow = await jobs.sendMessage(base64({ sleepMs: 8_000 }));
    await eventually(
      () => host?.records() ?? [],
      (r) => r.some((x) => x.id === slow.messageId),
      15_000,
      'the slow message to start',
    );
    const quick = await jobs.sendMessage(base64({ task: 'quick' }));
    // Handled while the slow one still runs (batchSize 8: a new batch comes once 4 or fewer are in process).
    await eventually(
      () => host?.records() ?? [],
      (r) => r.some((x) => x.id === quick.messageId),
      5_000,
      'the quick message, before the slow one ends',
    );
    await eventually(
      async () => (await jobs.getProperties()).approximateMessagesCount,
      (count) => count === 0,
      15_000,
      'the slow message to end',
    );
  });

  it('moves a message that throws five times to <queue>-poison', async () => {
    const jobs = queues.getQueueClient('jobs');
    const poison = queues.getQueueClient('jobs-poison');
    const payload = { fail: true, marker: 'poison-me' };
    const sent = await jobs.sendMessage(base64(payload));
    await eventually(
      async () =>
        (await poison.exists()) ? (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems : [],
      (items) => items.length === 1,
      30_000,
      'the poison message',
    );
    const [item] = (await poison.peekMessages()).peekedMessageItems;
    expect(Buffer.from(item?.messageText ?? '', 'base64').toString('utf8')).toBe(JSON.stringify(payload));
    const attempts = (host?.records() ?? []).filter((x) => x.id === sent.messageId).map((x) => x.dequeueCount);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect((await jobs.getProperties()).approximateMessagesCount).toBe(0);
    expect(host?.output()).toContain(`Message ${sent.messageId} failed 5 times; moving it to 'jobs-poison'`);
  });

  it('sends a message that is not base64 straight to the poison queue', async () => {
    const jobs = queues.getQueueClient('jobs');
    const poison = queues.getQueueClient('jobs-poison');
    const sent = await jobs.sendMessage('{not base64!}');
    await eventually(
      async () => (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems,
      (items) => items.some((i) => i.messageText === '{not base64!}'),
      15_000,
      'the undecodable message in poison',
    );
    expect((host?.records() ?? []).some((x) => x.id === sent.messageId)).toBe(false);
  });
});
