import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive, processInstanceId } from './processes';

export const LOCK_FILE = '.lock';

/** What the lock file holds: the owner's pid and, on Linux, which process instance had that pid. */
interface LockOwner {
  pid: number;
  instance?: string;
}

/** Locations locked by emulators of this process: the pid alone cannot tell them apart. */
const lockedHere = new Set<string>();

function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  // Older emulators wrote the bare pid.
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const o = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return undefined;
    return typeof o.instance === 'string' ? { pid: o.pid, instance: o.instance } : { pid: o.pid };
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's owner is an emulator running now. Its pid may have been given to another process since it
 * died (kill -9, then a container restart where every run is pid 1, or a fast pid wrap): our own pid means a dead
 * predecessor unless an emulator of this process holds the directory, and another live pid counts only if it is
 * the same process instance that wrote the lock.
 */
function ownerIsRunning(owner: LockOwner | undefined, key: string): boolean {
  if (!owner) return false; // unreadable: never a complete lock of a running emulator (see writeLock)
  if (owner.pid === process.pid) return lockedHere.has(key);
  if (!isProcessAlive(owner.pid)) return false;
  if (owner.instance === undefined) return true;
  const now = processInstanceId(owner.pid);
  return now === undefined || now === owner.instance;
}

function readOwner(file: string): { text: string; owner: LockOwner | undefined } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Creates the lock with its content in one step (link fails if it exists), so it is never seen half written. */
function writeLock(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Moves a stale lock aside, unless another starter replaced it since we read it: then it is put back and we look
 * again. Rename is atomic, so of two starters that both found the same stale lock only one removes it.
 */
function removeStale(file: string, staleText: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it first
    throw err;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // nothing readable: treat as the stale one
    moved = staleText;
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, file); // a fresh lock of another starter: give it back
    } catch {
      // another lock appeared meanwhile; that starter owns the directory now
    }
  }
  rmSync(aside, { force: true });
}

/**
 * One emulator per state directory: two writers would interleave journal lines and each one's memory would
 * drift from the file. `DIR/.lock` names the owner's pid and process instance. A lock whose owner is not a running
 * emulator (killed, a zombie, or a pid now used by someone else) is taken over, so a restart after kill -9 always
 * works; a running owner is refused with its pid.
 */
export function acquireLocationLock(location: string): () => void {
  const key = realpathSync(location);
  const file = path.join(location, LOCK_FILE);
  const instance = processInstanceId(process.pid);
  const content = JSON.stringify(instance === undefined ? { pid: process.pid } : { pid: process.pid, instance });
  for (let attempt = 0; attempt < 5; attempt++) {
    if (lockedHere.has(key)) {
      throw new Error(`The state directory ${location} is in use by another emulator in this process.`);
    }
    if (writeLock(file, content)) {
      lockedHere.add(key);
      return () => {
        lockedHere.delete(key);
        // Remove only our own lock: never one a later owner wrote after taking ours over.
        if (readOwner(file)?.text === content) rmSync(file, { force: true });
      };
    }
    const current = readOwner(file);
    if (!current) continue; // removed since: try again
    if (ownerIsRunning(current.owner, key)) {
      throw new Error(
        `The state directory ${location} is in use by another emulator (pid ${current.owner?.pid ?? '?'}). ` +
          'Stop that one first, or give this one another --location.',
      );
    }
    removeStale(file, current.text);
  }
  throw new Error(`Could not lock the state directory ${location}: other emulators keep taking it.`);
}
