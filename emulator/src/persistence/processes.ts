import { readFileSync } from 'node:fs';

/**
 * Fields of `/proc/<pid>/stat` after the command name. The name is in parentheses and may itself contain spaces and
 * parentheses, so the fields start after the last `)`. Undefined where there is no procfs (not Linux) or no process.
 */
function statFields(pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // [0] is field 3 (state), so field N is [N - 3].
  return text
    .slice(end + 1)
    .trim()
    .split(/\s+/);
}

/**
 * Whether `pid` is a running process. A zombie (exited, not yet reaped by its parent: state `Z`, or `X` while it
 * is being removed) is dead: it holds no files and runs no code, yet `kill(pid, 0)` still finds it.
 * A process of another user counts as alive (`EPERM`).
 */
export function isProcessAlive(pid: number): boolean {
  // 0 and negative numbers address process groups in kill(2), never one process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = statFields(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

let bootId: string | undefined;

/**
 * Identifies one process instance beyond its pid: the boot id plus the process's start time in clock ticks since
 * boot (stat field 22). A reused pid (a container's pid 1 after a restart, a fast pid wrap) has another start time.
 * Undefined where procfs is missing.
 */
export function processInstanceId(pid: number): string | undefined {
  const start = statFields(pid)?.[22 - 3];
  if (start === undefined) return undefined;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootId = '';
  }
  return `${bootId}:${start}`;
}
