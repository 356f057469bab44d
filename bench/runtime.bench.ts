/**
 * The app on the genuine Azure Functions runtime (the .NET host and Node worker, see
 * localhost/stack/functionsRuntime.ts), beside the in-repo local host. One Azurite and one emulator serve every run.
 * - cold start: from spawning the host until `/api/health` first answers 200, for the app and for a one-function app
 *   (bench/fixtures/one-function-app) on the runtime, alternating, a fresh process each; the difference is the
 *   cold start the app adds. The app on the local host is timed in the same rounds, for comparison;
 * - HTTP: sequential GETs on the app served by both hosts at once, alternating host on every request so machine
 *   noise falls on both: `/api/health` (probes storage and ACS), a schedule (table storage only) and a thread (ACS,
 *   the emulator); p50 and p95 per host, and local ÷ runtime.
 * Without a runtime (no FUNCTIONS_RUNTIME_PATH, `func` or source-built runtime) the bench says so and skips.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnAzurite } from '../localhost/stack/azurite';
import {
  hostIdFor,
  LOCAL_RUNTIME_KEYS,
  locateFunctionsRuntime,
  runtimeLaunch,
  writeRuntimeKeys,
  type FunctionsRuntime,
} from '../localhost/stack/functionsRuntime';
import { freePort } from '../localhost/stack/ports';
import { stopChild } from '../localhost/stack/processTree';
import { spawnSupervised } from '../localhost/stack/spawnSupervised';
import { spawnEmulator, stopChild as stopEmulator } from './emulator-process';
import type { Bench, BenchResult } from './harness';
import { median, percentile, round } from './harness';

const COLD_STARTS = 5;
const REQUESTS = 500;
const WARM_UP = 50;
const START_TIMEOUT_MS = 180_000;

const REPO_ROOT = join(__dirname, '..', '..');
const ONE_FUNCTION_APP = join(REPO_ROOT, 'bench', 'fixtures', 'one-function-app');
const HOST_CLI = join(REPO_ROOT, 'dist', 'localhost', 'cli.js');
const SUPERVISE_COMMAND = join(REPO_ROOT, 'dist', 'localhost', 'stack', 'superviseCommand.js');
const KEYS = LOCAL_RUNTIME_KEYS;

interface Host {
  child: ChildProcess;
  url: string;
  /** performance.now() just before the spawn, after the untimed preparation (keys, port). */
  spawnedAt: number;
  /** The last output lines, for a host that fails to start. */
  tail(): string;
}

/** Keeps the child's pipes drained (a chatty host must never block) and its last few KB for error messages. */
function drained(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

/** Spawns the runtime on `appDir` on a free port; does not wait for it. Keys are written before (not timed). */
async function spawnRuntime(runtime: FunctionsRuntime, appDir: string, env: NodeJS.ProcessEnv): Promise<Host> {
  const storage = env.AzureWebJobsStorage ?? '';
  const hostId = hostIdFor(appDir);
  await writeRuntimeKeys(storage, hostId, KEYS);
  const port = await freePort();
  const launch = runtimeLaunch(runtime, { appDir, host: '127.0.0.1', port, hostId, env });
  const spawnedAt = performance.now();
  const child = spawnSupervised(SUPERVISE_COMMAND, [launch.command, ...launch.args], launch.env, launch.cwd);
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, tail: drained(child) };
}

/** Spawns the local host on the app on a free port, checking the same function key as the runtime. */
async function spawnLocalHost(env: NodeJS.ProcessEnv): Promise<Host> {
  const port = await freePort();
  const args = ['--app-dir', REPO_ROOT, '--port', String(port), '--host', '127.0.0.1'];
  const spawnedAt = performance.now();
  const child = spawnSupervised(HOST_CLI, args, { ...env, LOCAL_FUNCTION_KEY: KEYS.function });
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, tail: drained(child) };
}

/** Polls `/api/health` until it answers 200; rejects when the host exits or the timeout passes. */
async function firstHealthy(host: Host): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (host.child.exitCode !== null || host.child.signalCode !== null) break;
    try {
      const res = await fetch(`${host.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${host.url} never answered /api/health with 200:\n${host.tail()}`);
}

/** Milliseconds from spawning a host until its first 200 on `/api/health`; the host is stopped afterwards. */
async function coldStart(spawnHost: () => Promise<Host>): Promise<number> {
  const host = await spawnHost();
  try {
    await firstHealthy(host);
    return performance.now() - host.spawnedAt;
  } finally {
    await stopChild(host.child, 20_000);
  }
}

function spread(values: readonly number[]): string {
  return `median of ${values.length}, ${round(Math.min(...values), 0)}–${round(Math.max(...values), 0)} ms`;
}

async function get(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: { 'x-functions-key': KEYS.function } });
  const body = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 300)}`);
  return elapsed;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': KEYS.function },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

export const runtimeBench: Bench = {
  name: 'runtime',
  async run(): Promise<BenchResult[]> {
    const runtime = locateFunctionsRuntime({ projectDir: REPO_ROOT });
    if ('missing' in runtime) {
      process.stdout.write(`  skipped: ${runtime.missing}\n`);
      return [{ name: 'skipped', value: 0, unit: '-', note: runtime.missing }];
    }
    const azurite = await spawnAzurite();
    const emulator = await spawnEmulator().catch(async (error: unknown) => {
      await azurite.stop();
      throw error;
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AzureWebJobsStorage: azurite.connectionString,
      ACS_CONNECTION_STRING: emulator.connectionString,
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    };
    try {
      return [
        ...(await measureColdStarts(runtime, env)),
        ...(await measureHttp(runtime, env)),
        { name: 'runtime', value: 0, unit: '-', note: runtime.source },
      ];
    } finally {
      await stopEmulator(emulator);
      await azurite.stop();
    }
  },
};

async function measureColdStarts(runtime: FunctionsRuntime, env: NodeJS.ProcessEnv): Promise<BenchResult[]> {
  const kinds = {
    app: () => spawnRuntime(runtime, REPO_ROOT, env),
    oneFunction: () => spawnRuntime(runtime, ONE_FUNCTION_APP, env),
    local: () => spawnLocalHost(env),
  };
  const samples: Record<keyof typeof kinds, number[]> = { app: [], oneFunction: [], local: [] };
  // One untimed round first: the file system cache and the runtime's first extraction of its bundle.
  for (const spawnHost of Object.values(kinds)) await coldStart(spawnHost);
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const [kind, spawnHost] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<Host>][]) {
      const ms = await coldStart(spawnHost);
      samples[kind].push(ms);
      process.stdout.write(`  cold start ${kind} #${i + 1}: ${round(ms, 0)} ms\n`);
    }
  }
  const app = median(samples.app);
  const oneFunction = median(samples.oneFunction);
  const local = median(samples.local);
  return [
    { name: 'cold start: app on runtime', value: round(app, 0), unit: 'ms', note: spread(samples.app) },
    {
      name: 'cold start: one-function app on runtime',
      value: round(oneFunction, 0),
      unit: 'ms',
      note: spread(samples.oneFunction),
    },
    { name: 'cold start the app adds', value: round(app - oneFunction, 0), unit: 'ms', note: 'difference of medians' },
    { name: 'cold start: app ÷ one-function app', value: round(app / oneFunction), unit: 'ratio' },
    { name: 'cold start: app on local host', value: round(local, 0), unit: 'ms', note: spread(samples.local) },
  ];
}

async function measureHttp(runtime: FunctionsRuntime, env: NodeJS.ProcessEnv): Promise<BenchResult[]> {
  const hosts: Host[] = [];
  try {
    const local = await spawnLocalHost(env);
    hosts.push(local);
    const functions = await spawnRuntime(runtime, REPO_ROOT, env);
    hosts.push(functions);
    await Promise.all([firstHealthy(local), firstHealthy(functions)]);

    const { threadId } = (await post(`${local.url}/api/threads`, { topic: 'runtime bench' })) as { threadId: string };
    const thread = `/api/threads/${encodeURIComponent(threadId)}`;
    const sendAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
    const { scheduleId } = (await post(`${local.url}${thread}/schedules`, { content: 'bench', sendAt })) as {
      scheduleId: string;
    };
    const routes = {
      '/api/health': '/api/health',
      'GET a schedule (storage)': `/api/schedules/${encodeURIComponent(scheduleId)}`,
      'GET a thread (ACS)': thread,
    };

    const rows: BenchResult[] = [];
    for (const [label, path] of Object.entries(routes)) {
      for (let i = 0; i < WARM_UP; i++) for (const h of hosts) await get(`${h.url}${path}`);
      const times = { local: [] as number[], runtime: [] as number[] };
      for (let i = 0; i < REQUESTS; i++) {
        // Alternate which host goes first, so neither always follows the other's request.
        const order = i % 2 === 0 ? (['local', 'runtime'] as const) : (['runtime', 'local'] as const);
        for (const which of order)
          times[which].push(await get(`${(which === 'local' ? local : functions).url}${path}`));
      }
      const p = (which: 'local' | 'runtime', q: number): number => percentile(times[which], q);
      rows.push(
        {
          name: `${label} p50 local host`,
          value: round(p('local', 50)),
          unit: 'ms',
          note: `${REQUESTS} sequential GETs each, hosts alternating`,
        },
        { name: `${label} p50 runtime`, value: round(p('runtime', 50)), unit: 'ms' },
        { name: `${label} p95 local host`, value: round(p('local', 95)), unit: 'ms' },
        { name: `${label} p95 runtime`, value: round(p('runtime', 95)), unit: 'ms' },
        { name: `${label} p50 local ÷ runtime`, value: round(p('local', 50) / p('runtime', 50)), unit: 'ratio' },
        { name: `${label} p95 local ÷ runtime`, value: round(p('local', 95) / p('runtime', 95)), unit: 'ratio' },
      );
    }
    return rows;
  } finally {
    for (const h of hosts) await stopChild(h.child, 20_000);
  }
}
