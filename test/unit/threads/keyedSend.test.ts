/**
 * POST …/messages with an Idempotency-Key: ThreadService.send over the real idempotency table (Azurite) and an
 * in-memory chat that can lose a send's answer after posting it.
 */
import { TableClient } from '@azure/data-tables';
import { AcsFailure } from '../../../src/acs/acsErrors';
import { DomainError } from '../../../src/domainErrors';
import { tableIdempotencyStore } from '../../../src/idempotency/idempotencyStore';
import type { BulkAdd } from '../../../src/participants/bulkAdd';
import { SEND_KEY_METADATA, ThreadService } from '../../../src/threads/threadService';
import { startAzurite, type TestAzurite } from '../../support/azurite';
import { FakeChat } from '../../support/fakeChat';

describe('ThreadService.send with an Idempotency-Key', () => {
  let azurite: TestAzurite;
  let tables = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  function rig() {
    const chat = new FakeChat();
    chat.addThread('t1');
    const client = TableClient.fromConnectionString(azurite.connectionString, `keyedsend${++tables}`, {
      allowInsecureConnection: true,
    });
    const service = new ThreadService({
      chat,
      bulkAdd: {} as BulkAdd,
      idempotency: tableIdempotencyStore(client),
      serviceDisplayName: 'Bot',
    });
    return { chat, service };
  }

  it('posts once: a repeat with the same key and body answers 200 with the same message id', async () => {
    const { chat, service } = rig();
    const first = await service.send('t1', { content: 'hello' }, 'k1');
    expect(first).toMatchObject({ status: 201, replayed: false });
    const again = await service.send('t1', { content: 'hello' }, 'k1');
    expect(again).toEqual({ status: 200, body: first.body, replayed: true });
    expect(chat.sent('t1')).toHaveLength(1);
    expect(chat.sent('t1')[0]?.metadata?.[SEND_KEY_METADATA]).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(chat.sent('t1'))).not.toContain('k1'); // the marker is a hash, not the key
  });

  it('refuses the key with another body (422) or on another thread', async () => {
    const { chat, service } = rig();
    chat.addThread('t2');
    await service.send('t1', { content: 'hello' }, 'k2');
    for (const [thread, body] of [
      ['t1', { content: 'other' }],
      ['t2', { content: 'hello' }],
    ] as const) {
      const error = await service.send(thread, body, 'k2').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).kind).toBe('keyReused');
    }
  });

  it('after a send whose answer was lost (ACS posted it), the retry finds the message instead of posting again', async () => {
    const { chat, service } = rig();
    chat.loseNextResults.push(new AcsFailure('transient', 'ACS answered 503', 503));
    await expect(service.send('t1', { content: 'once' }, 'k3')).rejects.toBeInstanceOf(AcsFailure);
    expect(chat.sent('t1')).toHaveLength(1);
    const retry = await service.send('t1', { content: 'once' }, 'k3');
    expect(retry).toMatchObject({ status: 201, body: { messageId: chat.sent('t1')[0]?.id } });
    expect(chat.sent('t1')).toHaveLength(1);
    expect(chat.sendCalls).toBe(1);
  });

  it('after a send that failed before posting, the retry looks, finds nothing, and posts once', async () => {
    const { chat, service } = rig();
    chat.failNextSends.push(new AcsFailure('transient', 'ACS answered 503', 503));
    await expect(service.send('t1', { content: 'later' }, 'k4')).rejects.toBeInstanceOf(AcsFailure);
    expect(chat.sent('t1')).toHaveLength(0);
    const pagesBefore = chat.listPageCalls;
    expect(await service.send('t1', { content: 'later' }, 'k4')).toMatchObject({ status: 201 });
    expect(chat.listPageCalls).toBeGreaterThan(pagesBefore); // it looked first
    expect(chat.sent('t1').map((m) => m.content?.message)).toEqual(['later']);
  });

  it('refuses metadata that sets the marker key itself', async () => {
    const { service } = rig();
    const error = await service
      .send('t1', { content: 'x', metadata: { [SEND_KEY_METADATA]: 'mine' } }, 'k5')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'invalid',
      field: { field: `metadata.${SEND_KEY_METADATA}`, rule: 'reservedKey' },
    });
  });

  it('without a key, sends as before (201, no marker)', async () => {
    const { chat, service } = rig();
    expect(await service.send('t1', { content: 'plain' })).toMatchObject({ status: 201, replayed: false });
    expect(chat.sent('t1')[0]?.metadata).toBeUndefined();
  });
});
