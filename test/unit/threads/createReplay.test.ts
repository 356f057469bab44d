import type { BulkAdd } from '../../../src/participants/bulkAdd';
import type { IdempotencyStore } from '../../../src/idempotency/idempotencyStore';
import { ThreadService } from '../../../src/threads/threadService';
import { FakeChat } from '../../support/fakeChat';

describe('ThreadService.create replay', () => {
  it.each([
    [201, 200],
    [202, 202],
  ])('replays a first answer of %i as %i with the same jobId', async (first, replayed) => {
    const body = { threadId: 't', participants: [], jobId: 'job-1' };
    const idempotency: IdempotencyStore = {
      claim: () => Promise.resolve({ kind: 'replay', answer: { status: first, body } }),
    };
    const service = new ThreadService({
      chat: new FakeChat(),
      bulkAdd: {} as BulkAdd,
      idempotency,
      serviceDisplayName: 'Bot',
    });
    const answer = await service.create({ topic: 'T', participants: [] }, 'key');
    expect(answer).toEqual({ status: replayed, body, replayed: true });
  });
});
