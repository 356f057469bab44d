import { parseStartArgs } from '../../../../localhost/stack/startArgs';

describe('npm start arguments', () => {
  it('defaults to nothing set, and reads every flag', () => {
    expect(parseStartArgs([])).toEqual({ ports: {} });
    expect(
      parseStartArgs([
        '--data-dir',
        '/d',
        '--blob-port',
        '1',
        '--queue-port',
        '2',
        '--table-port',
        '3',
        '--emulator-port',
        '4',
        '--functions-port',
        '0',
        '--no-emulator',
      ]),
    ).toEqual({
      dataDir: '/d',
      ports: { blob: 1, queue: 2, table: 3, emulator: 4, functions: 0 },
      emulator: false,
    });
  });

  it('rejects bad input naming the flag, the first problem in argv order', () => {
    expect(() => parseStartArgs(['--blob-port', '70000'])).toThrow(
      "--blob-port must be an integer 0-65535, got '70000'",
    );
    expect(() => parseStartArgs(['--data-dir'])).toThrow('--data-dir needs a value');
    expect(() => parseStartArgs(['--queue-port', ''])).toThrow('--queue-port needs a value');
    expect(() => parseStartArgs(['--verbose', '--blob-port', 'x'])).toThrow("unknown option '--verbose'");
    expect(() => parseStartArgs(['--no-emulator=yes'])).toThrow("unknown option '--no-emulator=yes'");
    expect(() => parseStartArgs(['stray'])).toThrow("unknown option 'stray'");
  });
});
