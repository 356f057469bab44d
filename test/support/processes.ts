import { spawn, type ChildProcess } from 'child_process';
import path from 'path';
import { isProcessAlive } from 'acs-emulator';
import { descendants, stopChild, waitForLine } from '../../localhost/stack/processTree';

export { descendants, isProcessAlive as isAlive, stopChild, waitForLine };

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface NodeChild {
  child: ChildProcess;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, SIGKILL after the timeout; resolves when the whole tree is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Spawns `node script ...args`, capturing output. */
export function spawnNode(
  script: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): NodeChild {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 20_000) => {
      const already = text
        .split(/\r?\n/)
        .map((line) => line.match(pattern))
        .find((m) => m);
      return already ? Promise.resolve(already) : waitForLine(child, pattern, timeoutMs, path.basename(script));
    },
    stop: (timeoutMs = 10_000) => stopChild(child, timeoutMs),
  };
}

/** Resolves with the exit code once the child exits. */
export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Polls until `predicate` holds or the timeout passes (for state observed through real side effects). The pause
 * between probes grows with the time already waited (a tenth of it, 50 ms to 1 s): a quick condition is seen at
 * once, and a long wait does not load the host, Azurite and the emulator with probes the whole time.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    const now = Date.now();
    if (now > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    const pause = Math.min(1_000, Math.max(50, (now - started) / 10));
    await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - now) + 1)));
  }
}
