/**
 * The app's own ACS user. Chat calls need a user token (Entra tokens are refused by the chat data plane), so the
 * app owns one ACS user: created once, its id stored, and its token reissued before it expires.
 */
import type { CommunicationUserIdentifier } from '@azure/communication-common';
import { asAcsError } from './acsErrors';

/** The part of the ACS identity client this needs (the SDK's CommunicationIdentityClient satisfies it). */
export interface IdentityApi {
  createUser(): Promise<CommunicationUserIdentifier>;
  getToken(
    user: CommunicationUserIdentifier,
    scopes: ['chat'],
    options?: { tokenExpiresInMinutes?: number },
  ): Promise<{ token: string; expiresOn: Date }>;
  deleteUser(user: CommunicationUserIdentifier): Promise<void>;
}

/** Where the service user's id is kept, shared by every instance of the app. */
export interface ServiceUserStore {
  read(): Promise<string | undefined>;
  /** Stores `userId` unless an id is stored already, and returns the stored id: the winner of a race. */
  claim(userId: string): Promise<string>;
}

export interface AccessToken {
  token: string;
  expiresOn: Date;
}

export interface ServiceIdentityOptions {
  /** ACS accepts 60..1440 minutes; a day keeps token requests rare. */
  tokenLifetimeMinutes?: number;
  /** A token this close to expiry is replaced before use. */
  refreshMarginMs?: number;
  now?: () => number;
}

export class ServiceIdentity {
  private userIdPromise: Promise<string> | undefined;
  private cached: AccessToken | undefined;
  private inflight: Promise<AccessToken> | undefined;
  private readonly lifetimeMinutes: number;
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(
    private readonly identity: IdentityApi,
    private readonly store: ServiceUserStore,
    options: ServiceIdentityOptions = {},
  ) {
    this.lifetimeMinutes = options.tokenLifetimeMinutes ?? 1440;
    this.marginMs = options.refreshMarginMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The service user's raw id (`8:acs:…`), creating the user on first use by any instance. */
  userId(): Promise<string> {
    // Single flight per process; a failure is not remembered, so the next call tries again.
    this.userIdPromise ??= this.resolveUserId().catch((error: unknown) => {
      this.userIdPromise = undefined;
      throw error;
    });
    return this.userIdPromise;
  }

  /** A chat token for the service user, reused until `refreshMarginMs` before it expires. */
  token(): Promise<AccessToken> {
    if (this.cached && this.cached.expiresOn.getTime() - this.now() > this.marginMs)
      return Promise.resolve(this.cached);
    // Concurrent callers share one request for a new token.
    this.inflight ??= this.issueToken().then(
      (token) => {
        this.cached = token;
        this.inflight = undefined;
        return token;
      },
      (error: unknown) => {
        this.inflight = undefined;
        throw error;
      },
    );
    return this.inflight;
  }

  private async resolveUserId(): Promise<string> {
    const stored = await this.store.read();
    if (stored) return stored;
    const created = await this.identity.createUser().catch(rethrowAsAcs);
    const winner = await this.store.claim(created.communicationUserId);
    if (winner !== created.communicationUserId) {
      // Another instance stored its user first: ours is not needed; removing it keeps the resource tidy.
      await this.identity.deleteUser(created).catch(() => undefined);
    }
    return winner;
  }

  private async issueToken(): Promise<AccessToken> {
    const communicationUserId = await this.userId();
    const { token, expiresOn } = await this.identity
      .getToken({ communicationUserId }, ['chat'], { tokenExpiresInMinutes: this.lifetimeMinutes })
      .catch(rethrowAsAcs);
    return { token, expiresOn };
  }
}

/** Identity calls fail as AcsFailures, like chat calls; the store's (storage) errors stay as they are. */
function rethrowAsAcs(error: unknown): never {
  throw asAcsError(error);
}
