import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI_PATH = resolve(__dirname, '../../dist/cli.js');

export interface CliEmulator {
  child: ChildProcess;
  pid: number;
  endpoint: string;
  connectionString: string;
  accessKey: string;
  caCertPath: string;
  ca: Buffer;
  /** Every stdout/stderr line seen so far (for failure messages). */
  output: string[];
}

const LISTEN = /^ACS emulator listening on (https:\/\/\S+)$/;
const CONN = /^Connection string: (endpoint=(\S+);accesskey=(\S+))$/;
const CA = /^CA certificate: (\/.+)$/;

/**
 * Spawns the built CLI and resolves once its three start lines are parsed (contract: CLI). The first three lines
 * must be exactly these, in this order.
 */
export function spawnCli(
  args: string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliEmulator> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output: string[] = [];
  return new Promise((resolvePromise, reject) => {
    let buffered = '';
    let lines: string[] = [];
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n--- output ---\n${output.join('\n')}`));
    };
    const timer = setTimeout(() => fail('emulator CLI did not print its start lines in time'), timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) =>
      output.push(
        ...d
          .split('\n')
          .filter(Boolean)
          .map((l) => `[stderr] ${l}`),
      ),
    );
    child.on('exit', (code, signal) => {
      if (lines.length < 3) fail(`emulator CLI exited early (code ${code}, signal ${signal})`);
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) output.push(line);
      if (lines.length >= 3) return;
      lines = output.filter((l) => !l.startsWith('[stderr]')).slice(0, 3);
      if (lines.length < 3) return;
      clearTimeout(timer);
      const listen = LISTEN.exec(lines[0] ?? '');
      const conn = CONN.exec(lines[1] ?? '');
      const ca = CA.exec(lines[2] ?? '');
      if (!listen || !conn || !ca) return fail('start lines do not match the contract');
      const endpointInConn = conn[2] ?? '';
      if (endpointInConn !== `${listen[1]}/`) return fail('connection string endpoint differs from the listen URL');
      resolvePromise({
        child,
        pid: child.pid ?? -1,
        endpoint: endpointInConn,
        connectionString: conn[1] ?? '',
        accessKey: conn[3] ?? '',
        caCertPath: ca[1] ?? '',
        ca: readFileSync(ca[1] ?? ''),
        output,
      });
    });
  });
}

/** Kills (SIGKILL) and waits for exit; safe to call on an already dead child. */
export function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

/** Sends `signal` and resolves with the exit code (or signal name). */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((res) => {
    child.once('exit', (code, sig) => res(code ?? sig));
    child.kill(signal);
  });
}

/**
 * The CLI processes and scratch directory of one test file: `track` each spawned emulator; after all tests they are
 * killed and the directory removed, even when a test failed.
 */
export function cliFixture(prefix: string): { readonly dir: string; track(emu: CliEmulator): CliEmulator } {
  const children: CliEmulator[] = [];
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => killHard(c.child)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    track(emu) {
      children.push(emu);
      return emu;
    },
  };
}
