/**
 * Errors are classified by where they came from first (the ACS SDKs, Azure Storage, our own code), then by status:
 * only ACS failures are ACS failures, and only transient ones are retried.
 */
import { AcsFailure, acsFailureOf } from '../../../src/acs/acsErrors';
import { withRetry } from '../../../src/acs/retry';

const ACS = 'https://contoso.communication.azure.com';
const noWait = { budgetMs: 10_000, sleep: async () => undefined, random: () => 0.5 };

/** What the Azure SDKs throw: a RestError, with the request it was about (not enumerable, as in core-rest-pipeline). */
function restError(url: string, statusCode?: number, code?: string): Error {
  const e = Object.assign(new Error(`status ${statusCode ?? code}`), { name: 'RestError', statusCode, code });
  Object.defineProperty(e, 'request', { value: { url }, enumerable: false });
  return e;
}

describe('withRetry', () => {
  it('rethrows a bug (a TypeError) at once, as it is: it is not a transient ACS failure', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    let calls = 0;
    const call = withRetry(async () => {
      calls++;
      throw bug;
    }, noWait);
    await expect(call).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('rethrows a storage error at once, as it is: storage is not ACS', async () => {
    const storage = restError('http://127.0.0.1:10002/devstoreaccount1/appstate', 503);
    let calls = 0;
    const call = withRetry(async () => {
      calls++;
      throw storage;
    }, noWait);
    await expect(call).rejects.toBe(storage);
    expect(calls).toBe(1);
  });

  it('still retries a transient ACS failure', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      if (++calls === 1) throw new AcsFailure('transient', 'ACS answered 503', 503);
      return 'ok';
    }, noWait);
    expect(result).toBe('ok');
    expect(calls).toBe(2);
  });
});

describe('acsFailureOf', () => {
  it('is undefined for what did not come from ACS: a bug, a plain Error', () => {
    expect(acsFailureOf(new TypeError('x is not a function'), ACS)).toBeUndefined();
    expect(acsFailureOf(new Error('ACS created a thread but returned no id'), ACS)).toBeUndefined();
    expect(acsFailureOf(undefined, ACS)).toBeUndefined();
  });

  it('is undefined for a storage RestError raised inside an ACS call (the token refresher reads a table)', () => {
    expect(acsFailureOf(restError('http://127.0.0.1:10002/devstoreaccount1/appstate()', 403), ACS)).toBeUndefined();
    expect(
      acsFailureOf(restError('https://acct.table.core.windows.net/appstate', undefined, 'REQUEST_SEND_ERROR'), ACS),
    ).toBeUndefined();
  });

  it('classifies what the ACS endpoint answered by status', () => {
    const of = (status?: number, code?: string) =>
      acsFailureOf(restError(`${ACS}/chat/threads?x=1`, status, code), ACS);
    expect(of(503)?.kind).toBe('transient');
    expect(of(429)?.kind).toBe('throttled');
    expect(of(401)?.kind).toBe('unauthorized');
    expect(of(403)?.kind).toBe('forbidden');
    expect(of(404)?.kind).toBe('notFound');
    expect(of(400)?.kind).toBe('invalid');
    expect(of(undefined, 'REQUEST_SEND_ERROR')?.kind).toBe('transient');
  });

  it('classifies an aborted call and a network error as transient, and keeps an AcsFailure as it is', () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(acsFailureOf(aborted, ACS)?.kind).toBe('transient');
    expect(acsFailureOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), ACS)?.kind).toBe(
      'transient',
    );
    const failure = new AcsFailure('forbidden', 'ACS answered 403', 403);
    expect(acsFailureOf(failure, ACS)).toBe(failure);
  });

  it('without an endpoint to compare with (the identity client), takes any RestError as ACS', () => {
    expect(acsFailureOf(restError('https://anything/identities', 401))?.kind).toBe('unauthorized');
  });
});
