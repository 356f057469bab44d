import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Change } from './changes';
import type { OutboxRecord } from './Outbox';
import type { SnapshotRecord } from './snapshot';

/** What is appended: a state change, or a change of the event delivery outbox. */
export type AppendRecord = Change | OutboxRecord;

/** A journal line: an appended record, or part of the snapshot a compacted journal starts with. */
export type JournalRecord = AppendRecord | SnapshotRecord;

/** Where changes go to become durable. */
export interface IJournal {
  /** Replays what an earlier run wrote (empty for a fresh or in-memory journal). */
  load(): Promise<JournalRecord[]>;
  /** Resolves once the records are durable. */
  append(records: AppendRecord[]): Promise<void>;
  /** Replaces the whole journal with `lines` (a snapshot of the live state); only before the first append. */
  compact(lines: string[]): Promise<void>;
  /**
   * From now on, compact online once enough was appended: `snapshot` is called at a batch boundary and must
   * return the state as of every record appended so far (the store's memory is exactly that).
   */
  compactOnline(snapshot: () => string[]): void;
  close(): Promise<void>;
}

/** In-memory mode: nothing to write. */
export class NullJournal implements IJournal {
  load(): Promise<JournalRecord[]> {
    return Promise.resolve([]);
  }
  append(): Promise<void> {
    return Promise.resolve();
  }
  compact(): Promise<void> {
    return Promise.resolve();
  }
  compactOnline(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Default online trigger: bytes appended since the journal was last rewritten. */
export const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;

/**
 * JSON-lines journal with group commit: records that arrive while a write+fdatasync is in flight are written
 * together by the next one, so 32 concurrent writers share one fsync instead of queueing 32.
 *
 * Compaction writes a snapshot to `<journal>.compacting`, fsyncs it, renames it over the journal and fsyncs the
 * directory. The rename is the commit point: before it the old journal is the truth (a leftover temp file is
 * deleted at start), after it the snapshot is. Online, it runs in place of one flush: the records of that batch
 * are already in the snapshot, so their writers are answered once the rename is durable, never before.
 */
export class FileJournal implements IJournal {
  private fh: fsp.FileHandle | undefined;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private flushing = false;
  private snapshot: (() => string[]) | undefined;
  /** bytes appended since the journal was last rewritten (or opened) */
  private appended = 0;
  /** size of the journal right after it was last rewritten (or opened) */
  private base = 0;
  private opened = false;
  /** set once a rewrite's rename happened: a failure after it cannot fall back to the old file */
  private renamed = false;

  constructor(
    private readonly path: string,
    private readonly compactBytes = DEFAULT_COMPACT_BYTES,
  ) {}

  get tempPath(): string {
    return `${this.path}.compacting`;
  }

  /** Current journal size in bytes. */
  get size(): number {
    return this.base + this.appended;
  }

  async load(): Promise<JournalRecord[]> {
    // A temp file is a compaction that never reached its rename: the journal beside it is complete without it.
    await fsp.rm(this.tempPath, { force: true });
    let buf = Buffer.alloc(0);
    try {
      buf = await fsp.readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const records: JournalRecord[] = [];
    let goodBytes = 0;
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break; // torn last line (no newline): dropped below
      if (nl > pos) {
        try {
          records.push(JSON.parse(buf.toString('utf8', pos, nl)) as JournalRecord);
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
    this.base = goodBytes;
    this.appended = 0;
    this.opened = true;
    return records;
  }

  append(records: AppendRecord[]): Promise<void> {
    // not `this.fh`: it is briefly unset while a compaction swaps files, and appends then simply queue
    if (!this.opened) return Promise.reject(new Error('journal is not open'));
    for (const r of records) this.pending.push(JSON.stringify(r));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  async compact(lines: string[]): Promise<void> {
    if (this.flushing || this.pending.length > 0) throw new Error('compact() must run before the first append');
    await this.rewrite(lines);
  }

  compactOnline(snapshot: () => string[]): void {
    this.snapshot = snapshot;
  }

  /** Rewriting costs about the snapshot's size, so wait until at least that much was appended (amortised O(1)). */
  private due(): boolean {
    return this.snapshot !== undefined && this.appended >= Math.max(this.compactBytes, this.base);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      // Batch boundary: memory holds exactly the file plus `lines`, so a snapshot taken now includes this batch.
      if (this.due()) {
        let compacted: boolean;
        try {
          compacted = await this.tryCompact();
        } catch (err) {
          // failed after the rename: the batch may be durable, but the journal is not usable to say so
          for (const w of waiters) w.reject(err);
          continue;
        }
        if (compacted) {
          for (const w of waiters) w.resolve();
          continue;
        }
      }
      try {
        const fh = this.fh;
        if (!fh) throw new Error('journal is closed');
        const text = lines.join('\n') + '\n';
        await fh.write(text);
        await fh.datasync();
        this.appended += Buffer.byteLength(text);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.flushing = false;
  }

  /** false: the snapshot never replaced the journal, so the batch must still be appended to the old one. */
  private async tryCompact(): Promise<boolean> {
    const snapshot = this.snapshot;
    if (!snapshot) return false;
    try {
      await this.rewrite(snapshot());
      return true;
    } catch (err) {
      if (this.renamed) throw err;
      process.stderr.write(`[acs-emulator] journal compaction failed, keeping the journal: ${String(err)}\n`);
      this.base = this.size; // do not retry on every batch
      this.appended = 0;
      return false;
    }
  }

  private async rewrite(lines: string[]): Promise<void> {
    const text = lines.length > 0 ? lines.join('\n') + '\n' : '';
    const tmp = this.tempPath;
    this.renamed = false;
    try {
      const th = await fsp.open(tmp, 'w');
      try {
        await th.write(text);
        await th.sync();
      } finally {
        await th.close();
      }
      await fsp.rename(tmp, this.path);
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    this.renamed = true;
    const old = this.fh;
    this.fh = undefined;
    await old?.close().catch(() => undefined);
    await syncDirectory(path.dirname(this.path));
    this.fh = await fsp.open(this.path, 'a');
    this.base = Buffer.byteLength(text);
    this.appended = 0;
  }

  async close(): Promise<void> {
    this.opened = false;
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = undefined;
  }
}

/** Makes a rename in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  const dh = await fsp.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
