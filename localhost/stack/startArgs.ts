import type { StackOptions, StackPorts } from './startStack';

export const START_USAGE =
  'Usage: node dist/localhost/start.js [--data-dir DIR] [--blob-port N] [--queue-port N] [--table-port N] ' +
  '[--emulator-port N] [--functions-port N] [--no-emulator]';

const PORT_FLAGS: Record<string, keyof StackPorts> = {
  '--blob-port': 'blob',
  '--queue-port': 'queue',
  '--table-port': 'table',
  '--emulator-port': 'emulator',
  '--functions-port': 'functions',
};

/** Parses `npm start` flags (all optional; defaults are the well-known local ports and `.local/`). */
export function parseStartArgs(argv: string[]): StackOptions {
  const options: StackOptions = { ports: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined || value === '') throw new Error(`${flag} needs a value`);
      return value;
    };
    const portKey = PORT_FLAGS[flag];
    if (portKey) {
      const raw = next();
      if (!/^\d+$/.test(raw) || Number(raw) > 65535)
        throw new Error(`${flag} must be an integer 0-65535, got '${raw}'`);
      (options.ports as Partial<StackPorts>)[portKey] = Number(raw);
    } else if (flag === '--data-dir') {
      options.dataDir = next();
    } else if (flag === '--no-emulator') {
      options.emulator = false;
    } else {
      throw new Error(`unknown option '${flag}'`);
    }
  }
  return options;
}
