import type { CommunicationUserIdentifier } from '@azure/communication-common';
import { ServiceIdentity } from '../../../src/acs/serviceIdentity';
import type { IdentityApi, ServiceUserStore } from '../../../src/acs/serviceIdentity';

// A fake of the app's own identity interface (not of the Azure SDK): the SDK path is covered by integration tests.
class FakeIdentity implements IdentityApi {
  created: string[] = [];
  deleted: string[] = [];
  tokensIssued = 0;
  failNextToken = false;
  constructor(private readonly now: () => number) {}

  async createUser(): Promise<CommunicationUserIdentifier> {
    const communicationUserId = `8:acs:resource_${this.created.length + 1}`;
    this.created.push(communicationUserId);
    return { communicationUserId };
  }

  async getToken(user: CommunicationUserIdentifier, _scopes: ['chat'], options?: { tokenExpiresInMinutes?: number }) {
    await Promise.resolve();
    if (this.failNextToken) {
      this.failNextToken = false;
      throw Object.assign(new Error('unavailable'), { statusCode: 503 });
    }
    this.tokensIssued++;
    const minutes = options?.tokenExpiresInMinutes ?? 1440;
    return {
      token: `${user.communicationUserId}#${this.tokensIssued}`,
      expiresOn: new Date(this.now() + minutes * 60_000),
    };
  }

  async deleteUser(user: CommunicationUserIdentifier): Promise<void> {
    this.deleted.push(user.communicationUserId);
  }
}

/** A store shared by several instances; `claim` yields first so that racing instances interleave. */
function sharedStore(): ServiceUserStore & { value?: string } {
  const store: ServiceUserStore & { value?: string } = {
    async read() {
      return store.value;
    },
    async claim(userId) {
      await Promise.resolve();
      store.value ??= userId;
      return store.value;
    },
  };
  return store;
}

describe('ServiceIdentity', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => (clock = Date.parse('2026-11-30T00:00:00Z')));

  it('creates the service user once and reuses the stored id', async () => {
    const identity = new FakeIdentity(now);
    const store = sharedStore();
    const first = new ServiceIdentity(identity, store, { now });
    expect(await Promise.all([first.userId(), first.userId()])).toEqual(['8:acs:resource_1', '8:acs:resource_1']);
    expect(await new ServiceIdentity(identity, store, { now }).userId()).toBe('8:acs:resource_1');
    expect(identity.created).toHaveLength(1);
  });

  it('keeps one user when two instances race, and deletes the loser', async () => {
    const identity = new FakeIdentity(now);
    const store = sharedStore();
    const ids = await Promise.all([
      new ServiceIdentity(identity, store, { now }).userId(),
      new ServiceIdentity(identity, store, { now }).userId(),
    ]);
    expect(identity.created).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(identity.deleted).toEqual(identity.created.filter((id) => id !== store.value));
  });

  it('reuses a token until it nears expiry, then issues a new one', async () => {
    const identity = new FakeIdentity(now);
    const service = new ServiceIdentity(identity, sharedStore(), {
      now,
      tokenLifetimeMinutes: 60,
      refreshMarginMs: 5 * 60_000,
    });
    const first = await service.token();
    const [again, alsoAgain] = await Promise.all([service.token(), service.token()]);
    expect(again).toBe(first);
    expect(alsoAgain).toBe(first);
    clock += 54 * 60_000; // 6 minutes left: still outside the margin
    expect(await service.token()).toBe(first);
    clock += 2 * 60_000; // 4 minutes left: inside the margin
    const renewed = await service.token();
    expect(renewed.token).not.toBe(first.token);
    expect(identity.tokensIssued).toBe(2);
  });

  it('shares one request between concurrent callers and does not remember a failure', async () => {
    const identity = new FakeIdentity(now);
    const service = new ServiceIdentity(identity, sharedStore(), { now });
    identity.failNextToken = true;
    const results = await Promise.allSettled([service.token(), service.token()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await service.token()).token).toBe('8:acs:resource_1#1');
  });
});
