import { execFile, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';
import { promisify } from 'util';
import { spawnAzurite, type RunningAzurite } from './azurite';
import { emulatorCli, forwardLines, spawnEmulator, type RunningEmulatorProcess } from './emulatorProcess';
import {
  hostIdFor,
  LOCAL_RUNTIME_KEYS,
  locateFunctionsRuntime,
  runtimeLaunch,
  waitForRuntime,
  writeRuntimeKeys,
  type FunctionsRuntime,
  type RuntimeKeys,
} from './functionsRuntime';
import { ensurePortFree, freePort } from './ports';
import { stopChild, waitForLine } from './processTree';
import { spawnSupervised } from './spawnSupervised';

export interface StackPorts {
  blob: number;
  queue: number;
  table: number;
  emulator: number;
  functions: number;
}

export const DEFAULT_PORTS: StackPorts = { blob: 10000, queue: 10001, table: 10002, emulator: 8443, functions: 7071 };

export interface StackOptions {
  /** The Functions app (package.json, host.json); default: the repo root. */
  appDir?: string;
  /** State for Azurite and the emulator (`<dataDir>/azurite`, `<dataDir>/emulator`); default `<repo>/.local`. */
  dataDir?: string;
  host?: string;
  ports?: Partial<StackPorts>;
  functionKey?: string;
  /** false: never start the emulator, even when it is built. */
  emulator?: boolean;
  /** Where progress and child output go; default console.log. */
  log?: (line: string) => void;
  /**
   * Which Functions host serves the app: the local host (default) or the genuine Azure Functions runtime
   * (Core Tools or the source-built runtime, see functionsRuntime.ts).
   */
  runtime?: 'local' | 'functions';
  /** The runtime launcher to use (`func` or `func-host`), instead of looking for one. */
  runtimePath?: string;
}

export interface RunningStack {
  functionsUrl: string;
  /** The Functions host in use: the local host, or the genuine runtime and where it came from. */
  runtime: { kind: 'local' } | (FunctionsRuntime & { keys: RuntimeKeys });
  storageConnectionString: string;
  azurite: RunningAzurite;
  emulator: RunningEmulatorProcess | undefined;
  /** PIDs of every child process the stack started (for checks that nothing outlives close()). */
  pids(): number[];
  /** Resolves when any child exits on its own (a crash), with a description. */
  crashed: Promise<string>;
  close(): Promise<void>;
}

// This file runs compiled (dist/localhost/stack) or as TypeScript source (localhost/stack, under jest).
const LOCALHOST_DIR = path.dirname(__dirname);
export const REPO_ROOT =
  path.basename(path.dirname(LOCALHOST_DIR)) === 'dist'
    ? path.resolve(LOCALHOST_DIR, '..', '..')
    : path.resolve(LOCALHOST_DIR, '..');
const HOST_CLI = path.join(REPO_ROOT, 'dist', 'localhost', 'cli.js');
const SUPERVISE_COMMAND = path.join(REPO_ROOT, 'dist', 'localhost', 'stack', 'superviseCommand.js');

/** Asks the host which Event Grid functions the app has, so the emulator can deliver to them. */
async function eventGridFunctions(appDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [HOST_CLI, '--list', '--app-dir', appDir], { env });
  const line = stdout.split('\n').find((l) => l.startsWith('{"functions"'));
  if (!line) throw new Error('could not list the app functions');
  const { functions } = JSON.parse(line) as { functions: { name: string; trigger: string }[] };
  return functions.filter((f) => f.trigger.toLowerCase() === 'eventgridtrigger').map((f) => f.name);
}

function prefixed(log: (line: string) => void, prefix: string): (line: string) => void {
  return (line) => {
    if (line.trim() !== '') log(`${prefix} ${line}`);
  };
}

/**
 * Starts Azurite, the ACS emulator (when built) and the local Functions host as child processes, wired
 * together: the app gets Azurite's connection string, the emulator's connection string and its CA, and the
 * emulator delivers Event Grid events to the app's eventGrid functions.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  // The emulator needs the host's URL for its webhooks before the host starts, so "any port" is chosen here.
  if (ports.functions === 0) ports.functions = await freePort(host);
  const appDir = path.resolve(options.appDir ?? REPO_ROOT);
  const dataDir = path.resolve(options.dataDir ?? path.join(REPO_ROOT, '.local'));
  const cli = options.emulator === false ? undefined : emulatorCli(REPO_ROOT);
  let runtime: FunctionsRuntime | undefined;
  if (options.runtime === 'functions') {
    const found = locateFunctionsRuntime({
      projectDir: REPO_ROOT,
      ...(options.runtimePath ? { explicit: options.runtimePath } : {}),
    });
    if ('missing' in found) throw new Error(`cannot run on the Functions runtime: ${found.missing}`);
    runtime = found;
  }
  // The genuine runtime checks keys: known local ones (LOCAL_FUNCTION_KEY names the function key).
  const keys: RuntimeKeys | undefined = runtime
    ? { ...LOCAL_RUNTIME_KEYS, ...(options.functionKey ? { function: options.functionKey } : {}) }
    : undefined;

  await ensurePortFree(ports.blob, host, 'Azurite blob');
  await ensurePortFree(ports.queue, host, 'Azurite queue');
  await ensurePortFree(ports.table, host, 'Azurite table');
  if (cli) await ensurePortFree(ports.emulator, host, 'ACS emulator');
  await ensurePortFree(ports.functions, host, 'Functions host');

  const children: ChildProcess[] = [];
  let azurite: RunningAzurite | undefined;
  let emulator: RunningEmulatorProcess | undefined;
  let functionsHost: ChildProcess | undefined;
  let closing = false;
  let reportCrash: (what: string) => void = () => undefined;
  const crashed = new Promise<string>((resolve) => (reportCrash = resolve));
  const watch = (child: ChildProcess, name: string): void => {
    children.push(child);
    child.once('exit', (code, signal) => {
      if (!closing) reportCrash(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
    });
  };
  const stopAll = async (): Promise<void> => {
    closing = true;
    // The host first, so appTerminate hooks can still reach storage and ACS.
    if (functionsHost) await stopChild(functionsHost, 10_000);
    await emulator?.stop();
    await azurite?.stop();
  };

  try {
    fs.mkdirSync(path.join(dataDir, 'azurite'), { recursive: true });
    azurite = await spawnAzurite({
      host,
      blobPort: ports.blob,
      queuePort: ports.queue,
      tablePort: ports.table,
      location: path.join(dataDir, 'azurite'),
    });
    watch(azurite.child, 'Azurite');
    log(`Azurite started (data in ${path.join(dataDir, 'azurite')})`);

    const hostEnv: NodeJS.ProcessEnv = { ...process.env, AzureWebJobsStorage: azurite.connectionString };
    if (options.functionKey) hostEnv.LOCAL_FUNCTION_KEY = options.functionKey;
    if (cli) {
      const functionsBase = `http://${host}:${ports.functions}`;
      const eventGridKey = keys ? keys.eventGrid : options.functionKey;
      const code = eventGridKey ? `&code=${encodeURIComponent(eventGridKey)}` : '';
      const webhooks = (await eventGridFunctions(appDir, hostEnv)).map(
        (name) => `${functionsBase}/runtime/webhooks/eventgrid?functionName=${name}${code}`,
      );
      fs.mkdirSync(path.join(dataDir, 'emulator'), { recursive: true });
      emulator = await spawnEmulator({
        cliPath: cli,
        host,
        port: ports.emulator,
        location: path.join(dataDir, 'emulator'),
        eventWebhooks: webhooks,
        onOutput: prefixed(log, '[emulator]'),
      });
      watch(emulator.child, 'ACS emulator');
      hostEnv.ACS_CONNECTION_STRING = emulator.connectionString;
      hostEnv.NODE_EXTRA_CA_CERTS = emulator.caCertPath;
      log(`ACS emulator started (data in ${path.join(dataDir, 'emulator')})`);
      for (const url of webhooks) log(`  Event Grid events go to ${url.replace(/&code=.*/, '&code=***')}`);
    } else {
      log('ACS emulator not started (emulator/dist/cli.js is not built); the Functions host runs without it');
    }

    let functionsUrl: string;
    if (runtime && keys) {
      const hostId = hostIdFor(appDir);
      await writeRuntimeKeys(azurite.connectionString, hostId, keys);
      const launch = runtimeLaunch(runtime, { appDir, host, port: ports.functions, env: hostEnv, hostId });
      functionsHost = spawnSupervised(SUPERVISE_COMMAND, [launch.command, ...launch.args], launch.env, launch.cwd);
      forwardLines(functionsHost, prefixed(log, '[functions]'));
      functionsUrl = `http://${host}:${ports.functions}`;
      const exited = new Promise((resolve) => functionsHost?.once('exit', resolve));
      const functions = await waitForRuntime(functionsUrl, keys.master, 120_000, exited);
      log(`[functions] Functions (${runtime.source}):`);
      for (const fn of functions) {
        const route = fn.url ? `${functionsUrl}${fn.url.replace(/^\w+:\/\/[^/]+/, '')}` : '';
        log(`[functions]   ${fn.name}: ${fn.methods ? `[${fn.methods.join(',')}] ${route}` : fn.trigger}`);
      }
    } else {
      const hostArgs = ['--app-dir', appDir, '--port', String(ports.functions), '--host', host];
      functionsHost = spawnSupervised(HOST_CLI, hostArgs, hostEnv);
      const listening = waitForLine(
        functionsHost,
        /Functions host listening on (http:\/\/\S+)/,
        60_000,
        'Functions host',
      );
      forwardLines(functionsHost, prefixed(log, '[functions]'));
      functionsUrl = (await listening)[1] as string;
    }
    watch(functionsHost, 'Functions host');

    let closed: Promise<void> | undefined;
    return {
      functionsUrl,
      runtime: runtime && keys ? { ...runtime, keys } : { kind: 'local' },
      storageConnectionString: azurite.connectionString,
      azurite,
      emulator,
      pids: () => children.map((c) => c.pid).filter((pid): pid is number => pid !== undefined),
      crashed,
      close: () => (closed ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
