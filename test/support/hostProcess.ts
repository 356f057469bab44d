import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  hostIdFor,
  LOCAL_RUNTIME_KEYS,
  locateFunctionsRuntime,
  runtimeLaunch,
  waitForRuntime,
  writeRuntimeKeys,
  type RuntimeFunction,
  type RuntimeKeys,
} from '../../localhost/stack/functionsRuntime';
import { freePort } from '../../localhost/stack/ports';
import { exitCode, REPO_ROOT, spawnNode, type NodeChild } from './processes';

export const HOST_CLI = path.join(REPO_ROOT, 'dist', 'localhost', 'cli.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export interface HostProcess extends NodeChild {
  url: string;
  /** JSON lines the fixture functions recorded (see test/fixtures/record.js). */
  records(): Record<string, unknown>[];
  /** Kills the host and everything it started with SIGKILL (no cleanup), as a lost machine would; resolves once gone. */
  crash(): Promise<void>;
}

/** A scratch file for a fixture's FIXTURE_OUT. */
export function tempRecordFile(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `host-${label}-`));
  return path.join(dir, 'records.jsonl');
}

export function readRecords(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Spawns the built host CLI on a fixture app on a free port and waits until it listens.
 * Requires `npm run build` (npm test runs it first).
 */
export async function startHostProcess(
  appDir: string,
  options: { env?: NodeJS.ProcessEnv; args?: string[]; recordFile?: string } = {},
): Promise<HostProcess> {
  if (!fs.existsSync(HOST_CLI)) throw new Error(`${HOST_CLI} is missing: run npm run build first`);
  const recordFile = options.recordFile ?? tempRecordFile(path.basename(appDir));
  const env = { ...process.env, FIXTURE_OUT: recordFile, LOCAL_FUNCTION_KEY: '', ...options.env };
  const child = spawnNode(HOST_CLI, ['--app-dir', appDir, '--port', '0', ...(options.args ?? [])], { env });
  try {
    const match = await child.waitFor(/Functions host listening on (http:\/\/\S+)/, 30_000);
    return {
      ...child,
      url: match[1] as string,
      records: () => readRecords(recordFile),
      async crash() {
        child.child.kill('SIGKILL');
        await exitCode(child.child);
      },
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

const SUPERVISE_COMMAND = path.join(REPO_ROOT, 'dist', 'localhost', 'stack', 'superviseCommand.js');

export interface RuntimeProcess extends HostProcess {
  /** The keys the runtime checks (written into its secret store before it started). */
  keys: RuntimeKeys;
  /** The functions the runtime indexed. */
  functions: RuntimeFunction[];
}

/**
 * Starts the genuine Azure Functions runtime (see localhost/stack/functionsRuntime.ts) on the app in `appDir`, on a
 * free port, with known keys, and waits until it has indexed the app's functions. `env` must name the storage
 * (`AzureWebJobsStorage`, a connection string) and the app's other settings.
 */
export async function startRuntimeProcess(
  appDir: string,
  options: { env: NodeJS.ProcessEnv; keys?: Partial<RuntimeKeys>; recordFile?: string },
): Promise<RuntimeProcess> {
  const runtime = locateFunctionsRuntime({ projectDir: REPO_ROOT });
  if ('missing' in runtime) throw new Error(runtime.missing);
  if (!fs.existsSync(SUPERVISE_COMMAND)) throw new Error(`${SUPERVISE_COMMAND} is missing: run npm run build first`);
  const storage = options.env.AzureWebJobsStorage;
  if (!storage) throw new Error('the runtime needs AzureWebJobsStorage (a connection string)');
  const keys = { ...LOCAL_RUNTIME_KEYS, ...options.keys };
  const hostId = hostIdFor(appDir);
  await writeRuntimeKeys(storage, hostId, keys);
  const recordFile = options.recordFile ?? tempRecordFile(path.basename(appDir));
  const port = await freePort();
  const launch = runtimeLaunch(runtime, {
    appDir,
    host: '127.0.0.1',
    port,
    hostId,
    env: { FIXTURE_OUT: recordFile, ...options.env },
  });
  const child = spawnNode(SUPERVISE_COMMAND, [launch.command, ...launch.args], {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const group = Number((await child.waitFor(/^supervising pid (\d+)/, 10_000))[1]);
    const functions = await waitForRuntime(url, keys.master, 90_000, exitCode(child.child));
    return {
      ...child,
      url,
      keys,
      functions,
      records: () => readRecords(recordFile),
      async crash() {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // gone already
        }
        await exitCode(child.child);
      },
    };
  } catch (err) {
    await child.stop();
    throw new Error(`${(err as Error).message}\n${child.output().slice(-3000)}`);
  }
}
