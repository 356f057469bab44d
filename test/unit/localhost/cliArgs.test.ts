import { parseCliArgs } from '../../../localhost/cliArgs';

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
