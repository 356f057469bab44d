/** Child-process helpers for the emulator bench: spawn the emulator CLI or the do-nothing server, read RSS. */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Child {
  child: ChildProcess;
  pid: number;
  lines: string[];
}

/** Spawns `node script args` and resolves once `ready(lines)` returns true. */
export function spawnNode(script: string, args: string[], ready: (lines: string[]) => boolean): Promise<Child> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start:\n${lines.join('\n')}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${lines.join('\n')}`));
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (ready(lines)) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid ?? -1, lines });
      }
    });
  });
}

export interface EmulatorChild extends Child {
  endpoint: string;
  connectionString: string;
  caCertPath: string;
  inspectorUrl: string;
}

/** The emulator CLI of the `acs-emulator` workspace package, in memory, quiet. */
export async function spawnEmulator(extraArgs: string[] = []): Promise<EmulatorChild> {
  const cli = join(dirname(require.resolve('acs-emulator/package.json')), 'dist', 'cli.js');
  const c = await spawnNode(cli, ['--port', '0', '--silent', ...extraArgs], (l) => l.length >= 4);
  const endpoint = /^ACS emulator listening on (\S+)$/.exec(c.lines[0] ?? '')?.[1];
  const connectionString = /^Connection string: (\S+)$/.exec(c.lines[1] ?? '')?.[1];
  const caCertPath = /^CA certificate: (.+)$/.exec(c.lines[2] ?? '')?.[1];
  const inspectorUrl = /^Inspector: (\S+)$/.exec(c.lines[3] ?? '')?.[1];
  if (!endpoint || !connectionString || !caCertPath || !inspectorUrl) {
    throw new Error(`unexpected start lines:\n${c.lines.join('\n')}`);
  }
  return { ...c, endpoint: `${endpoint}/`, connectionString, caCertPath, inspectorUrl };
}

/** SIGTERM (a clean close: the emulator removes its lock and temp files), SIGKILL if it lingers. */
export function stopChild(c: Child): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return Promise.resolve();
  c.child.removeAllListeners('exit');
  return new Promise((resolve) => {
    const timer = setTimeout(() => c.child.kill('SIGKILL'), 5000);
    c.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    c.child.kill('SIGTERM');
  });
}

/** Resident set size of a process, in MB, from /proc/<pid>/status (`VmRSS`, or `VmHWM` for the peak). */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return kb / 1024;
}
