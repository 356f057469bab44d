import type { ChildProcess } from 'child_process';
import fs from 'fs';
import { isProcessAlive } from 'acs-emulator';

/** Every live descendant of `pid` (Linux /proc; empty elsewhere). */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process exited while we looked
    }
  }
  const result: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = children.get(queue.shift() as number) ?? [];
    result.push(...next);
    queue.push(...next);
  }
  return result;
}

/** Sends `signal` to `pid` and all its descendants (children first found, then signalled together). */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const target of [...descendants(pid), pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/** Resolves with the first line of stdout/stderr matching `pattern`; rejects on exit or timeout. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  label = 'process',
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let tail = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = line.match(pattern);
        if (match) {
          cleanup();
          resolve(match);
          return;
        }
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${label} exited (code ${code}, signal ${signal}) before printing ${pattern}\n${tail}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${label} did not print ${pattern} within ${timeoutMs} ms\n${tail}`));
    }, timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stops a child (and its descendants): SIGTERM, then SIGKILL after `timeoutMs`; resolves once it exited. */
export async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const tree = descendants(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    signalTree(pid, 'SIGKILL');
    await exited;
  }
  clearTimeout(timer);
  // Grandchildren the child failed to stop must not outlive it.
  for (const orphan of tree) {
    if (isProcessAlive(orphan)) {
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
