import { parseArgs } from 'util';
import type { StackOptions, StackPorts } from './startStack';

export const START_USAGE =
  'Usage: node dist/localhost/start.js [--data-dir DIR] [--blob-port N] [--queue-port N] [--table-port N] ' +
  '[--emulator-port N] [--functions-port N] [--no-emulator] [--runtime local|functions] [--runtime-path PATH]';

const PORT_FLAGS: Record<string, keyof StackPorts> = {
  'blob-port': 'blob',
  'queue-port': 'queue',
  'table-port': 'table',
  'emulator-port': 'emulator',
  'functions-port': 'functions',
};

const FLAGS = {
  'data-dir': { type: 'string' },
  'no-emulator': { type: 'boolean' },
  'blob-port': { type: 'string' },
  'queue-port': { type: 'string' },
  'table-port': { type: 'string' },
  'emulator-port': { type: 'string' },
  'functions-port': { type: 'string' },
  runtime: { type: 'string' },
  'runtime-path': { type: 'string' },
} as const;
type Flag = keyof typeof FLAGS;

/** Parses `npm start` flags (all optional; defaults are the well-known local ports and `.local/`). */
export function parseStartArgs(argv: string[]): StackOptions {
  // Non-strict, so that the messages below (not parseArgs's own) name what is wrong; checked in argv order.
  const { values, tokens } = parseArgs({
    args: argv,
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    const flag = token.kind === 'option' && Object.hasOwn(FLAGS, token.name) ? FLAGS[token.name as Flag] : undefined;
    // A switch takes no value: `--no-emulator=x` is not a spelling of it.
    if (token.kind !== 'option' || !flag || (flag.type === 'boolean' && token.value !== undefined)) {
      throw new Error(`unknown option '${argv[token.index]}'`);
    }
    if (flag.type === 'boolean') continue;
    if (!token.value) throw new Error(`${token.rawName} needs a value`);
    if (PORT_FLAGS[token.name]) portNumber(token.rawName, token.value);
    if (token.name === 'runtime' && token.value !== 'local' && token.value !== 'functions') {
      throw new Error(
        `${token.rawName} must be 'local' (the local host) or 'functions' (the Azure Functions runtime), got '${token.value}'`,
      );
    }
  }
  const ports: Partial<StackPorts> = {};
  for (const [flag, key] of Object.entries(PORT_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') ports[key] = Number(raw);
  }
  const options: StackOptions = { ports };
  if (typeof values['data-dir'] === 'string') options.dataDir = values['data-dir'];
  if (values['no-emulator'] === true) options.emulator = false;
  if (values.runtime === 'functions') options.runtime = 'functions';
  if (typeof values['runtime-path'] === 'string') {
    options.runtime = 'functions';
    options.runtimePath = values['runtime-path'];
  }
  return options;
}

function portNumber(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new Error(`${flag} must be an integer 0-65535, got '${raw}'`);
  return Number(raw);
}
