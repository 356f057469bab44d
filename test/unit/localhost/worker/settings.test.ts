import {
  applyLocalSettings,
  parseTimeSpan,
  readHostSettings,
  readLocalHttpPort,
  resolveSettingRefs,
} from '../../../../localhost/worker/settings';
import { tempDir } from '../../../support/tempDir';

describe('settings', () => {
  it('copies local.settings.json Values without overriding the environment', () => {
    const dir = tempDir({ 'local.settings.json': JSON.stringify({ Values: { A: 'file', B: 'file', C: 3 } }) });
    const env: NodeJS.ProcessEnv = { A: 'env' };
    expect(applyLocalSettings(dir, env)).toEqual(['B', 'C']);
    expect(env).toEqual({ A: 'env', B: 'file', C: '3' });
  });

  it('resolves %Setting% references and names a missing one', () => {
    expect(resolveSettingRefs('%CRON%', { CRON: '0 0 * * * *' })).toBe('0 0 * * * *');
    expect(resolveSettingRefs('jobs-%ENV%', { ENV: 'dev' })).toBe('jobs-dev');
    expect(() => resolveSettingRefs('%NOPE%', {})).toThrow("app setting 'NOPE' is not set");
  });

  it('reads host.json with runtime defaults', () => {
    expect(readHostSettings(tempDir({}))).toEqual({
      routePrefix: 'api',
      queues: {
        maxDequeueCount: 5,
        batchSize: 16,
        newBatchThreshold: 8,
        visibilityTimeoutMs: 0,
        maxPollingIntervalMs: 2000,
        messageEncoding: 'base64',
      },
    });
    const custom = tempDir({
      'host.json': JSON.stringify({
        extensions: {
          http: { routePrefix: '/v1/' },
          queues: {
            maxDequeueCount: 2,
            visibilityTimeout: '00:00:30',
            messageEncoding: 'none',
            batchSize: 4,
            newBatchThreshold: 0,
          },
        },
      }),
    });
    expect(readHostSettings(custom)).toMatchObject({
      routePrefix: 'v1',
      queues: {
        maxDequeueCount: 2,
        visibilityTimeoutMs: 30_000,
        messageEncoding: 'none',
        batchSize: 4,
        newBatchThreshold: 0,
      },
    });
    const bad = tempDir({ 'host.json': JSON.stringify({ extensions: { queues: { messageEncoding: 'utf8' } } }) });
    expect(() => readHostSettings(bad)).toThrow("messageEncoding must be 'base64' or 'none'");
  });

  it('reads Host.LocalHttpPort', () => {
    expect(readLocalHttpPort(tempDir({}))).toBeUndefined();
    expect(readLocalHttpPort(tempDir({ 'local.settings.json': '{"Host":{"LocalHttpPort":7072}}' }))).toBe(7072);
    expect(() => readLocalHttpPort(tempDir({ 'local.settings.json': '{"Host":{"LocalHttpPort":"x"}}' }))).toThrow(
      'Host.LocalHttpPort must be an integer 0-65535',
    );
  });

  it('parses TimeSpans', () => {
    expect(parseTimeSpan('00:00:30', 'x')).toBe(30_000);
    expect(parseTimeSpan('1.02:03:04.5', 'x')).toBe(((24 + 2) * 60 + 3) * 60_000 + 4500);
    expect(() => parseTimeSpan('30s', 'visibilityTimeout')).toThrow("visibilityTimeout: '30s' is not a TimeSpan");
  });
});
