/**
 * How failures reach an HTTP client: ACS failures in ACS's words, storage failures in storage's, and anything else
 * (a bug) as a 500 whose problem says nothing of the internals; the error itself goes to the log.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { withRetry } from '../../../src/acs/retry';
import { defineOperation, handleOperation } from '../../../src/http/operation';

const op = defineOperation({
  name: 'probe',
  method: 'POST',
  route: 'probe',
  summary: 'test operation',
  tags: ['test'],
  authLevel: 'function',
  responses: {},
});

/** Runs the operation with `fail` as its handler; returns the answer and what was logged. */
async function answer(
  fail: () => Promise<never>,
): Promise<{ response: HttpResponseInit; body: Record<string, unknown>; log: string }> {
  const logged: string[] = [];
  const context = new InvocationContext({
    invocationId: 'inv-1',
    functionName: 'probe',
    logHandler: (level, ...args) =>
      logged.push(`${level}: ${args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ')}`),
  });
  const handler = handleOperation(op, fail);
  const response = (await handler(
    new HttpRequest({ method: 'POST', url: 'http://localhost/api/probe' }),
    context,
  )) as HttpResponseInit;
  return { response, body: JSON.parse(String(response.body)) as Record<string, unknown>, log: logged.join('\n') };
}

function restError(url: string, statusCode: number): Error {
  const e = Object.assign(new Error(`The table answered ${statusCode}`), { name: 'RestError', statusCode });
  Object.defineProperty(e, 'request', { value: { url }, enumerable: false });
  return e;
}

const STORAGE = 'http://127.0.0.1:10002/devstoreaccount1/schedules';

describe('failures as HTTP answers', () => {
  it('a bug inside a send is a 500 with a generic problem, not a retried "ACS unavailable"; the error is logged', async () => {
    let calls = 0;
    let now = 0;
    const { response, body, log } = await answer(() =>
      withRetry(
        async () => {
          calls++;
          throw new TypeError('secret internals: cannot read properties of undefined (reading "id")');
        },
        { budgetMs: 4_000, now: () => now, sleep: async (ms) => void (now += ms), random: () => 0.5 },
      ),
    );
    expect(calls).toBe(1);
    expect(response.status).toBe(500);
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    expect(body).toMatchObject({ status: 500, title: 'Internal error' });
    expect(JSON.stringify(body)).not.toMatch(/secret internals|TypeError|ACS/);
    expect(body['detail']).toContain('inv-1'); // what an operator looks up in the log
    expect(log).toMatch(/^error: .*secret internals/m);
  });

  it('a transient storage failure is a 503 "Storage unavailable", in storage words, not ACS ones', async () => {
    const { response, body } = await answer(async () => {
      throw restError(STORAGE, 503);
    });
    expect(response.status).toBe(503);
    expect(body).toMatchObject({ status: 503, title: 'Storage unavailable' });
    expect(JSON.stringify(body)).not.toMatch(/ACS/);
    expect((response.headers as Record<string, string>)['retry-after']).toBeDefined();
  });

  it('a storage 403 is a 500 with a generic problem, not the service user being forbidden in the thread', async () => {
    const { response, body, log } = await answer(async () => {
      throw restError(STORAGE, 403);
    });
    expect(response.status).toBe(500);
    expect(body).toMatchObject({ status: 500, title: 'Internal error' });
    expect(JSON.stringify(body)).not.toMatch(/member|ACS|403/);
    expect(log).toMatch(/^error: .*answered 403/m);
  });
});
