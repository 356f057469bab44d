import path from 'path';
import { PortTakenError } from './stack/ports';
import { REPO_ROOT, startStack, type RunningStack, type StackOptions } from './stack/startStack';
import { parseStartArgs, START_USAGE } from './stack/startArgs';

/** `npm start`: Azurite, the ACS emulator and the Functions host, until Ctrl-C. */
async function main(): Promise<void> {
  let options: StackOptions;
  try {
    options = parseStartArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`Error: ${(err as Error).message}\n${START_USAGE}`);
    process.exit(2);
  }
  const hostName = options.runtime === 'functions' ? 'Azure Functions runtime' : 'Functions host';
  console.log(`Starting the local stack (Azurite, ACS emulator, ${hostName})...`);
  // Handlers go in first: a signal during start-up must still stop the children already started.
  let stopping = false;
  const stop = (why: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}; stopping...`);
    starting
      .then((running) => running.close())
      .then(
        () => {
          console.log('Stopped.');
          process.exit(code);
        },
        (err: unknown) => {
          console.error(`Error while stopping: ${(err as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('Ctrl-C', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGHUP', () => stop('SIGHUP', 0));
  const starting = startStack({ ...options, functionKey: process.env.LOCAL_FUNCTION_KEY || undefined });
  let stack: RunningStack;
  try {
    stack = await starting;
  } catch (err) {
    const message = err instanceof PortTakenError ? err.message : `Could not start: ${(err as Error).message}`;
    console.error(`\n${message}`);
    process.exit(1);
  }
  const storage = stack.azurite;
  const lines = [
    '',
    'Local stack is running:',
    `  Functions host    ${stack.functionsUrl}   (health: ${stack.functionsUrl}/api/health)`,
  ];
  if (stack.runtime.kind !== 'local') {
    // Well-known local keys, like Azurite's account key: the runtime checks them, so they are shown.
    const { keys, source } = stack.runtime;
    lines.push(
      `                    Azure Functions runtime: ${source}`,
      `                    function key: ${keys.function}   (x-functions-key header or ?code=)`,
      `                    master key: ${keys.master}   (/admin/*)`,
    );
  }
  lines.push(
    `  Azurite           blob ${storage.blobEndpoint}`,
    `                    queue ${storage.queueEndpoint}`,
    `                    table ${storage.tableEndpoint}`,
    '                    connection string: UseDevelopmentStorage=true (Azurite development account)',
  );
  if (stack.emulator) {
    // The emulator's key is the published development key, not a secret.
    lines.push(
      `  ACS emulator      ${stack.emulator.endpoint}`,
      `                    connection string: ${stack.emulator.connectionString}`,
      `                    CA certificate: ${stack.emulator.caCertPath}`,
      '                    (scripts that call the emulator need NODE_EXTRA_CA_CERTS set to that file)',
      // The token opens a session for this run only, as a Jupyter URL does.
      `                    Inspector: ${stack.emulator.inspectorUrl}`,
    );
  } else {
    lines.push('  ACS emulator      not built: run npm run build once the emulator exists');
  }
  lines.push(
    `  Data              ${options.dataDir ?? path.join(path.relative(process.cwd(), REPO_ROOT) || '.', '.local')}`,
    '',
    'Press Ctrl-C to stop everything.',
  );
  if (stopping) return;
  console.log(lines.join('\n'));

  void stack.crashed.then((what) => stop(what, 1));
}

void main();
