#!/usr/bin/env node
import { parseArgs as parseFlags } from 'node:util';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from './EmulatorServer';
import type { FaultSpec } from './faults/FaultManager';

const USAGE = `Usage: acs-emulator [--host 127.0.0.1] [--port 8443] [--location DIR] [--cert PEM --key PEM]
                    [--access-key B64] [--event-webhook URL|JSON]... [--event-time-scale N] [--fault JSON]...
                    [--throttling] [--silent]`;

const FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  location: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'access-key': { type: 'string' },
  'event-webhook': { type: 'string', multiple: true },
  'event-time-scale': { type: 'string' },
  fault: { type: 'string', multiple: true },
  throttling: { type: 'boolean' },
  silent: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags whose value is an option as given. */
const TEXT_OPTIONS = {
  host: 'host',
  location: 'location',
  cert: 'cert',
  key: 'key',
  'access-key': 'accessKey',
} as const satisfies Record<string, keyof EmulatorOptions>;

/** Parses argv into options; throws an Error with a message a person can act on. */
export function parseArgs(argv: string[]): EmulatorOptions {
  // Non-strict, so that the messages below (not util.parseArgs's own) name what is wrong; checked in argv order.
  const { values, tokens } = parseFlags({
    args: argv,
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const faults: FaultSpec[] = [];
  for (const token of tokens) {
    // `-h` only on its own: `-hx` is not a group of switches here.
    const known =
      token.kind === 'option' &&
      Object.hasOwn(FLAGS, token.name) &&
      (token.rawName.startsWith('--') || argv[token.index] === token.rawName);
    if (token.kind !== 'option' || !known) throw new Error(`unknown option '${argv[token.index]}'`);
    const flag = FLAGS[token.name as keyof typeof FLAGS];
    if (flag.type === 'boolean') {
      if (token.name === 'help') {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      }
      continue;
    }
    // A value must follow; the next flag is not one (`--name=--x` still is).
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new Error(`${token.rawName} needs a value`);
    }
    if (token.name === 'port' && (!/^\d+$/.test(token.value) || Number(token.value) > 65535)) {
      throw new Error(`--port must be an integer from 0 to 65535, got '${token.value}'`);
    }
    if (token.name === 'event-time-scale' && !(Number(token.value) > 0 && Number.isFinite(Number(token.value)))) {
      throw new Error(`--event-time-scale must be a positive number, got '${token.value}'`);
    }
    if (token.name === 'fault') {
      try {
        faults.push(JSON.parse(token.value) as FaultSpec);
      } catch {
        throw new Error(`--fault must be JSON, got '${token.value}'`);
      }
    }
  }
  const opts: EmulatorOptions = {};
  for (const [flag, option] of Object.entries(TEXT_OPTIONS)) {
    const value = values[flag];
    if (typeof value === 'string') opts[option] = value;
  }
  if (typeof values.port === 'string') opts.port = Number(values.port);
  if (typeof values['event-time-scale'] === 'string') opts.eventTimeScale = Number(values['event-time-scale']);
  // A switch given as `--silent=...` still turns it on, as before.
  if (values.throttling !== undefined) opts.throttling = true;
  if (values.silent !== undefined) opts.silent = true;
  const webhooks = values['event-webhook'] as string[] | undefined;
  if (webhooks && webhooks.length > 0) opts.eventWebhooks = webhooks;
  if (faults.length > 0) opts.faults = faults;
  return opts;
}

export async function main(): Promise<void> {
  let opts: EmulatorOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`acs-emulator: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  // Signal handlers go in first: a signal that arrives while starting must still end in a clean exit 0.
  const running: { emulator?: RunningEmulator } = {};
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (!running.emulator) return; // finishes starting, then closes (below)
    running.emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`acs-emulator: error while closing: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const emulator = await startEmulator(opts);
  running.emulator = emulator;
  const origin = emulator.endpoint.replace(/\/$/, '');
  process.stdout.write(
    `ACS emulator listening on ${origin}\nConnection string: ${emulator.connectionString}\nCA certificate: ${emulator.caCertPath}\n` +
      `Inspector: ${emulator.inspectorUrl}\n`,
  );
  if (stopping) {
    stopping = false;
    stop();
  }
}

/** Runs the CLI; exits 1 with the reason when start-up fails. Used by `node dist/cli.js` and by bin/. */
export function run(): void {
  main().catch((err: unknown) => {
    process.stderr.write(`acs-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

if (require.main === module) run();
