import fs from 'fs';
import os from 'os';
import path from 'path';
import { expandBraces, resolveMainGlob } from '../../../localhost/mainGlob';
import {
  applyLocalSettings,
  parseTimeSpan,
  readHostSettings,
  readLocalHttpPort,
  resolveSettingRefs,
} from '../../../localhost/settings';
import { parseCliArgs } from '../../../localhost/cliArgs';

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-unit-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('main glob', () => {
  it('expands braces, nested too', () => {
    expect(expandBraces('dist/src/{index.js,functions/*.js}')).toEqual([
      'dist/src/index.js',
      'dist/src/functions/*.js',
    ]);
    expect(expandBraces('{a,b{1,2}}.js')).toEqual(['a.js', 'b1.js', 'b2.js']);
    expect(expandBraces('plain.js')).toEqual(['plain.js']);
  });

  it('matches * within one directory, in pattern order, without duplicates', () => {
    const dir = tempDir({
      'dist/src/index.js': '',
      'dist/src/functions/b.js': '',
      'dist/src/functions/a.js': '',
      'dist/src/functions/a.js.map': '',
      'dist/src/functions/nested/c.js': '',
    });
    const files = resolveMainGlob(dir, 'dist/src/{index.js,functions/*.js,functions/a.js}').map((f) =>
      path.relative(dir, f),
    );
    expect(files).toEqual(['dist/src/index.js', 'dist/src/functions/a.js', 'dist/src/functions/b.js']);
    expect(resolveMainGlob(dir, 'dist/missing/*.js')).toEqual([]);
  });
});

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
        visibilityTimeoutMs: 0,
        maxPollingIntervalMs: 2000,
        messageEncoding: 'base64',
      },
    });
    const custom = tempDir({
      'host.json': JSON.stringify({
        extensions: {
          http: { routePrefix: '/v1/' },
          queues: { maxDequeueCount: 2, visibilityTimeout: '00:00:30', messageEncoding: 'none' },
        },
      }),
    });
    expect(readHostSettings(custom)).toMatchObject({
      routePrefix: 'v1',
      queues: { maxDequeueCount: 2, visibilityTimeoutMs: 30_000, messageEncoding: 'none' },
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

describe('CLI arguments', () => {
  it('has Core-Tools-like defaults and takes the key from LOCAL_FUNCTION_KEY', () => {
    expect(parseCliArgs([], {})).toMatchObject({ port: undefined, host: '127.0.0.1', functionKey: undefined });
    expect(parseCliArgs([], { LOCAL_FUNCTION_KEY: 'k' }).functionKey).toBe('k');
  });

  it('parses flags in both spellings and rejects bad ones by name', () => {
    expect(parseCliArgs(['--port=0', '--app-dir', '/x', '--function-key', 'abc'], {})).toMatchObject({
      port: 0,
      appDir: '/x',
      functionKey: 'abc',
    });
    expect(() => parseCliArgs(['--port', 'http'], {})).toThrow("--port must be an integer 0-65535, got 'http'");
    expect(() => parseCliArgs(['--port'], {})).toThrow('--port needs a value');
    expect(() => parseCliArgs(['--verbose'], {})).toThrow("unknown option '--verbose'");
  });
});
