import { checkHealth, describeFailure, redactSecrets } from '../../../src/health/checkHealth';
import type { DependencyProbe } from '../../../src/health/checkHealth';

const up = (name: string): DependencyProbe => ({ name, check: async () => undefined });
const failing = (name: string, error: unknown): DependencyProbe => ({
  name,
  check: async () => {
    throw error;
  },
});
const hanging = (name: string, onAbort: () => void): DependencyProbe => ({
  name,
  check: (signal) =>
    new Promise<void>(() => {
      signal.addEventListener('abort', onAbort);
    }),
});

describe('checkHealth', () => {
  it('is healthy when every probe answers', async () => {
    const report = await checkHealth([up('storage'), up('acs')]);
    expect(report.status).toBe('healthy');
    expect(report.down).toEqual([]);
    expect(report.checks.storage).toMatchObject({ status: 'up' });
  });

  it('names the dependencies that are down', async () => {
    const report = await checkHealth([
      up('storage'),
      failing('acs', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
    ]);
    expect(report.status).toBe('unhealthy');
    expect(report.down).toEqual(['acs']);
    expect(report.checks.acs).toMatchObject({ status: 'down', error: 'ECONNREFUSED' });
  });

  it('gives up on a probe that does not answer, and aborts it', async () => {
    let aborted = false;
    const report = await checkHealth([hanging('storage', () => (aborted = true))], 50);
    expect(report.checks.storage).toMatchObject({ status: 'down', error: 'no answer within 50 ms' });
    expect(aborted).toBe(true);
  });
});

describe('describeFailure', () => {
  it('keeps only code and status of SDK errors', () => {
    const error = Object.assign(new Error('GET https://x?sig=abc failed'), {
      code: 'AuthorizationFailure',
      statusCode: 403,
    });
    expect(describeFailure(error)).toBe('AuthorizationFailure, HTTP 403');
  });

  it('redacts keys from plain messages', () => {
    expect(describeFailure(new Error('endpoint=https://a/;accesskey=c2VjcmV0'))).not.toContain('c2VjcmV0');
    expect(redactSecrets('AccountKey=abc;sig=def&code=ghi')).toBe(
      'AccountKey=[redacted];sig=[redacted]&code=[redacted]',
    );
  });
});
