#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cliArgs';
import { startHost } from './host';
import { listFunctions } from './worker/listFunctions';
import { consoleSink } from './worker/log';
import { readLocalHttpPort } from './worker/settings';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const argv = process.argv.slice(2);
  const listOnly = argv.includes('--list');
  let options;
  try {
    options = parseCliArgs(argv.filter((a) => a !== '--list'));
  } catch (err) {
    console.error(`Error: ${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (listOnly) {
    // Machine-readable, for tools that must know the functions before the host starts (npm start).
    const functions = await listFunctions(options.appDir, consoleSink('warning'));
    // Exit once written: an app with HTTP streams has a server open in the worker that would keep us alive.
    process.stdout.write(`${JSON.stringify({ functions })}\n`, () => process.exit(0));
    return;
  }
  // Signal handlers go in before anything is printed: a parent may signal as soon as it sees a line.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`Received ${signal}; stopping the Functions host...`);
    // A signal during start-up: stop once start-up finished (or failed).
    void started
      .then(
        (running) => running.close(),
        () => undefined,
      )
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`Error while stopping: ${(err as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const started = startHost({ ...options, port: options.port ?? readLocalHttpPort(options.appDir) ?? 7071 });
  const host = await started;
  if (stopping) return;
  console.log('\nFunctions:\n');
  for (const fn of host.functions) console.log(`  ${fn.name}: ${fn.detail}`);
  console.log('');
  if (options.functionKey) console.log('Function keys are enforced (x-functions-key header or ?code=).');
  console.log(`Functions host listening on ${host.url}`);
}

main().catch((err: unknown) => {
  console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
});
