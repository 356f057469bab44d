import { promises as fsp } from 'node:fs';
import type { Change } from './changes';

/** Where changes go to become durable. */
export interface IJournal {
  /** Replays what an earlier run wrote (empty for a fresh or in-memory journal). */
  load(): Promise<Change[]>;
  /** Resolves once the records are durable. */
  append(records: Change[]): Promise<void>;
  close(): Promise<void>;
}

/** In-memory mode: nothing to write. */
export class NullJournal implements IJournal {
  load(): Promise<Change[]> {
    return Promise.resolve([]);
  }
  append(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * JSON-lines journal with group commit: records that arrive while a write+fdatasync is in flight are written
 * together by the next one, so 32 concurrent writers share one fsync instead of queueing 32.
 */
export class FileJournal implements IJournal {
  private fh: fsp.FileHandle | undefined;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private flushing = false;

  constructor(private readonly path: string) {}

  async load(): Promise<Change[]> {
    let buf = Buffer.alloc(0);
    try {
      buf = await fsp.readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const records: Change[] = [];
    let goodBytes = 0;
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break; // torn last line (no newline): dropped below
      if (nl > pos) {
        try {
          records.push(JSON.parse(buf.toString('utf8', pos, nl)) as Change);
        } catch (err) {
          // A bad line followed by more lines is corruption, not a torn write: refuse to guess.
          if (buf.indexOf(10, nl + 1) >= 0) {
            throw new Error(`State journal ${this.path} is corrupt at byte ${pos}`, { cause: err });
          }
          break;
        }
      }
      pos = nl + 1;
      goodBytes = pos;
    }
    this.fh = await fsp.open(this.path, 'a+');
    const size = (await this.fh.stat()).size;
    if (size > goodBytes) {
      // kill -9 in the middle of a write: the unacknowledged tail goes away.
      await this.fh.truncate(goodBytes);
      await this.fh.datasync();
    }
    return records;
  }

  append(records: Change[]): Promise<void> {
    if (!this.fh) return Promise.reject(new Error('journal is not open'));
    for (const r of records) this.pending.push(JSON.stringify(r));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        const fh = this.fh;
        if (!fh) throw new Error('journal is closed');
        await fh.write(lines.join('\n') + '\n');
        await fh.datasync();
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = undefined;
  }
}
