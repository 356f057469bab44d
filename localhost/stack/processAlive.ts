import fs from 'fs';

/**
 * The host's one answer to "is this process alive": `pid` exists and is not a zombie (an exited child its
 * parent has not reaped yet counts as dead). Everything in the stack that asks goes through here.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}
