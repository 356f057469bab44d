#!/usr/bin/env node
import { startEmulator, type EmulatorOptions, type RunningEmulator } from './EmulatorServer';
import type { FaultSpec } from './faults/FaultManager';

const USAGE = `Usage: acs-emulator [--host 127.0.0.1] [--port 8443] [--location DIR] [--cert PEM --key PEM]
                    [--access-key B64] [--event-webhook URL|JSON]... [--event-time-scale N] [--fault JSON]...
                    [--throttling] [--silent]`;

/** Parses argv into options; throws an Error with a message a person can act on. */
export function parseArgs(argv: string[]): EmulatorOptions {
  const opts: EmulatorOptions = {};
  const webhooks: string[] = [];
  const faults: FaultSpec[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--host':
        opts.host = value();
        break;
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--port must be an integer from 0 to 65535, got '${v}'`);
        opts.port = n;
        break;
      }
      case '--location':
        opts.location = value();
        break;
      case '--cert':
        opts.cert = value();
        break;
      case '--key':
        opts.key = value();
        break;
      case '--access-key':
        opts.accessKey = value();
        break;
      case '--event-webhook':
        webhooks.push(value());
        break;
      case '--event-time-scale': {
        const v = value();
        const n = Number(v);
        if (!(n > 0 && Number.isFinite(n))) throw new Error(`--event-time-scale must be a positive number, got '${v}'`);
        opts.eventTimeScale = n;
        break;
      }
      case '--fault': {
        const v = value();
        try {
          faults.push(JSON.parse(v) as FaultSpec);
        } catch {
          throw new Error(`--fault must be JSON, got '${v}'`);
        }
        break;
      }
      case '--throttling':
        opts.throttling = true;
        break;
      case '--silent':
        opts.silent = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option '${arg}'`);
    }
  }
  if (webhooks.length > 0) opts.eventWebhooks = webhooks;
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
    `ACS emulator listening on ${origin}\nConnection string: ${emulator.connectionString}\nCA certificate: ${emulator.caCertPath}\n`,
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
