import type { ChatClientOptions } from '@azure/communication-chat';
import { ChatClient } from '@azure/communication-chat';
import type { CommunicationUserIdentifier } from '@azure/communication-common';
import { AzureCommunicationTokenCredential } from '@azure/communication-common';
import type { TokenScope } from '@azure/communication-identity';
import { CommunicationIdentityClient } from '@azure/communication-identity';

/** The api-versions the conformance suite runs on: the SDK default (undefined) and the oldest GA one. */
export const API_VERSIONS = [
  { label: 'default (2025-03-15)', apiVersion: undefined, modern: true },
  { label: '2021-09-07', apiVersion: '2021-09-07', modern: false },
] as const;

/** Short SDK retry delays so fault tests stay fast; the retry policy itself is the SDK's own. */
export const FAST_RETRY = { retryDelayInMs: 10, maxRetryDelayInMs: 50 };

/** The chat SDK forwards `apiVersion` to its generated client although the public options type omits it. */
export type ChatOptions = ChatClientOptions & { apiVersion?: string };

interface Endpointish {
  endpoint: string;
  connectionString: string;
  ca: Buffer;
}

export function identityClient(emu: Endpointish, extra: ChatClientOptions = {}): CommunicationIdentityClient {
  return new CommunicationIdentityClient(emu.connectionString, {
    tlsOptions: { ca: emu.ca },
    retryOptions: FAST_RETRY,
    ...extra,
  });
}

export function chatClient(
  emu: Pick<Endpointish, 'endpoint' | 'ca'>,
  token: string,
  options: ChatOptions = {},
): ChatClient {
  const opts: ChatOptions = { tlsOptions: { ca: emu.ca }, retryOptions: FAST_RETRY, ...options };
  return new ChatClient(emu.endpoint, new AzureCommunicationTokenCredential(token), opts);
}

export interface TestUser {
  user: CommunicationUserIdentifier;
  id: string;
  token: string;
}

export async function newUser(
  identity: CommunicationIdentityClient,
  scopes: TokenScope[] = ['chat'],
): Promise<TestUser> {
  const res = await identity.createUserAndToken(scopes);
  return { user: res.user, id: res.user.communicationUserId, token: res.token };
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results keep input order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Collects an async iterable. */
export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** `RestError.statusCode` of a rejected SDK call (fails the test if the call succeeds). */
export async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode;
  }
  throw new Error('expected the call to fail, it succeeded');
}
