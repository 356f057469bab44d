/**
 * listMessagesPage over the chat SDK: a call that continues from the token the previous call returned asks that
 * call's page iterator for its next page (one iterator per listing, not one per page); anything else, a retry
 * after a failure included, starts a new iterator from the token, which is the same request.
 */
import type { ServiceIdentity } from '../../../src/acs/serviceIdentity';
import { createChatPort } from '../../../src/acs/sdkChatPort';

interface Listing {
  /** Pages of sequence ids, newest first; page i's link is `link-<i + 1>`. */
  pages: number[][];
  /** Fails the request for this page once. */
  failOnce?: number;
}

const listings = new Map<string, Listing>();
/** Every page iterator the SDK was asked for: thread and the token it started from. */
const iterators: { threadId: string; from: string | undefined }[] = [];

// The chat SDK's shape as the port uses it: byPage writes the next page's link into the settings it is given.
jest.mock('@azure/communication-chat', () => ({
  ChatClient: class {
    getChatThreadClient(threadId: string) {
      return {
        listMessages: () => ({
          byPage: (settings: { continuationToken?: string }) => {
            iterators.push({ threadId, from: settings.continuationToken });
            return (async function* () {
              const listing = listings.get(threadId) as Listing;
              let index = settings.continuationToken ? Number(settings.continuationToken.slice('link-'.length)) : 0;
              while (index < listing.pages.length) {
                if (listing.failOnce === index) {
                  listing.failOnce = undefined;
                  throw Object.assign(new Error('busy'), { name: 'RestError', statusCode: 503 });
                }
                const page = listing.pages[index] as number[];
                index++;
                settings.continuationToken = index < listing.pages.length ? `link-${index}` : undefined;
                yield page.map((seq) => ({
                  id: String(1000 + seq),
                  sequenceId: String(seq),
                  version: String(1000 + seq),
                  type: 'text',
                  createdOn: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
                  content: { message: `m${seq}` },
                }));
              }
            })();
          },
        }),
      };
    }
  },
}));
jest.mock('@azure/communication-common', () => ({ AzureCommunicationTokenCredential: class {} }));

const identity = {} as ServiceIdentity;

async function listAll(
  port: Awaited<ReturnType<typeof createChatPort>>,
  threadId: string,
  retries = 0,
): Promise<string[]> {
  const seqs: string[] = [];
  let token: string | undefined;
  let left = retries;
  do {
    try {
      const page = await port.listMessagesPage(threadId, {
        pageSize: 2,
        ...(token ? { continuationToken: token } : {}),
      });
      seqs.push(...page.messages.map((m) => m.sequenceId));
      token = page.continuationToken;
    } catch (error) {
      if (left-- <= 0) throw error;
    }
  } while (token);
  return seqs;
}

beforeEach(() => {
  listings.clear();
  iterators.length = 0;
});

/** Messages 6..1, newest first, two to a page. */
const SIX_IN_THREE_PAGES = [
  [6, 5],
  [4, 3],
  [2, 1],
];

describe('SdkChatPort.listMessagesPage', () => {
  it('continues a listing with the iterator that returned the token', async () => {
    listings.set('t1', {
      pages: SIX_IN_THREE_PAGES,
    });
    const port = await createChatPort('https://acs.example', identity);
    expect(await listAll(port, 't1')).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(iterators).toEqual([{ threadId: 't1', from: undefined }]);
    // A listing begun again (a later run) gets the same pages.
    expect(await listAll(port, 't1')).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(iterators).toHaveLength(2);
  });

  it('asks for a failed page again with a new iterator from the same token', async () => {
    listings.set('t1', {
      pages: SIX_IN_THREE_PAGES,
      failOnce: 1,
    });
    const port = await createChatPort('https://acs.example', identity);
    expect(await listAll(port, 't1', 1)).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(iterators).toEqual([
      { threadId: 't1', from: undefined },
      { threadId: 't1', from: 'link-1' },
    ]);
  });

  it('drops an iterator not continued for 30 s: a listing that stopped early holds no page for long', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    try {
      listings.set('t1', {
        pages: SIX_IN_THREE_PAGES,
      });
      const port = await createChatPort('https://acs.example', identity);
      const first = await port.listMessagesPage('t1', { pageSize: 2 });
      jest.advanceTimersByTime(30_000);
      const second = await port.listMessagesPage('t1', { continuationToken: first.continuationToken as string });
      expect(second.messages.map((m) => m.sequenceId)).toEqual(['4', '3']);
      expect(iterators).toEqual([
        { threadId: 't1', from: undefined },
        { threadId: 't1', from: 'link-1' },
      ]);
      expect(jest.getTimerCount()).toBe(1); // the second page's iterator, until the listing goes on
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps listings of different threads apart, even with equal tokens', async () => {
    listings.set('t1', {
      pages: SIX_IN_THREE_PAGES,
    });
    listings.set('t2', {
      pages: [
        [60, 50],
        [40, 30],
        [20, 10],
      ],
    });
    const port = await createChatPort('https://acs.example', identity);
    const a1 = await port.listMessagesPage('t1', { pageSize: 2 });
    const b1 = await port.listMessagesPage('t2', { pageSize: 2 });
    expect(a1.continuationToken).toBe(b1.continuationToken);
    const b2 = await port.listMessagesPage('t2', { continuationToken: b1.continuationToken as string });
    const a2 = await port.listMessagesPage('t1', { continuationToken: a1.continuationToken as string });
    expect(a2.messages.map((m) => m.sequenceId)).toEqual(['4', '3']);
    expect(b2.messages.map((m) => m.sequenceId)).toEqual(['40', '30']);
    expect(iterators).toHaveLength(2);
  });
});
