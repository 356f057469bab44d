/**
 * Reads records back from parts in sequence order without loading the archive: each part is sorted, so a k-way
 * merge over the parts that overlap the current position holds one open stream and one record per such part.
 * Parts are opened only when the merge reaches their first sequence id and closed when exhausted; for one message
 * the versions come in the order the parts were written (oldest first), so the last one is the latest.
 * Each part's bytes are checked against the SHA-256 the manifest recorded.
 */
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { PartInfo } from './manifest';
import { sequenceOf, type ArchiveRecord } from './records';

export type OpenPart = (name: string) => Promise<NodeJS.ReadableStream>;

export class ArchiveCorrupt extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveCorrupt';
  }
}

export interface MergeOptions {
  /** Only parts this accepts are read (e.g. those overlapping a sequence or time range). */
  partFilter?: (part: PartInfo) => boolean;
  /** Only records this accepts are yielded. */
  recordFilter?: (record: ArchiveRecord, seq: number) => boolean;
}

interface Cursor {
  ordinal: number;
  head: ArchiveRecord;
  seq: number;
  rest: AsyncIterator<ArchiveRecord>;
  close(): void;
}

/** The records of `parts` (in manifest order) merged by sequence id, ties in write order. */
export async function* mergeParts(
  parts: readonly PartInfo[],
  open: OpenPart,
  options: MergeOptions = {},
): AsyncGenerator<ArchiveRecord> {
  const pending = parts
    .map((part, ordinal) => ({ part, ordinal }))
    .filter(({ part }) => options.partFilter?.(part) ?? true)
    .sort((a, b) => a.part.firstSequenceId - b.part.firstSequenceId || a.ordinal - b.ordinal);
  const heap = new CursorHeap();
  let next = 0;
  try {
    for (;;) {
      // Open every part that could hold a record at or before the smallest head.
      while (next < pending.length) {
        const candidate = pending[next] as { part: PartInfo; ordinal: number };
        const top = heap.peek();
        if (top && candidate.part.firstSequenceId > top.seq) break;
        next++;
        const cursor = await openCursor(candidate.part, candidate.ordinal, open, options.recordFilter);
        if (cursor) heap.push(cursor);
      }
      const cursor = heap.pop();
      if (!cursor) return;
      yield cursor.head;
      const step = await cursor.rest.next();
      if (step.done) cursor.close();
      else {
        cursor.head = step.value;
        cursor.seq = sequenceOf(step.value);
        heap.push(cursor);
      }
    }
  } finally {
    for (const cursor of heap.drain()) cursor.close();
  }
}

async function openCursor(
  part: PartInfo,
  ordinal: number,
  open: OpenPart,
  filter: MergeOptions['recordFilter'],
): Promise<Cursor | undefined> {
  const raw = await open(part.name);
  const rest = readPart(part, raw, filter)[Symbol.asyncIterator]();
  const close = (): void => {
    void rest.return?.(undefined);
    (raw as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  };
  const first = await rest.next();
  if (first.done) {
    close();
    return undefined;
  }
  return { ordinal, head: first.value, seq: sequenceOf(first.value), rest, close };
}

/** The records of one part, its checksum verified once the last byte has been read. */
async function* readPart(
  part: PartInfo,
  raw: NodeJS.ReadableStream,
  filter: MergeOptions['recordFilter'],
): AsyncGenerator<ArchiveRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  raw.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  const gunzip = createGunzip();
  raw.on('error', (error: Error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  // Split on newlines by hand: a stream's async iterator passes its errors on, readline's does not always.
  const decoder = new StringDecoder('utf8'); // a character may be split across chunks
  let carry = '';
  for await (const chunk of gunzip) {
    const text = carry + decoder.write(chunk as Buffer);
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const record = JSON.parse(line) as ArchiveRecord;
      if (!filter || filter(record, sequenceOf(record))) yield record;
    }
  }
  carry += decoder.end();
  if (carry.trim() !== '') throw new ArchiveCorrupt(`part ${part.name} ends in the middle of a record`);
  const sha256 = hash.digest('hex');
  if (sha256 !== part.sha256 || bytes !== part.bytes) {
    throw new ArchiveCorrupt(`part ${part.name} does not match its checksum in the manifest`);
  }
}

/** A binary min-heap of cursors by (sequence id, part order). */
class CursorHeap {
  private items: Cursor[] = [];

  peek(): Cursor | undefined {
    return this.items[0];
  }

  push(cursor: Cursor): void {
    const items = this.items;
    items.push(cursor);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i] as Cursor, items[parent] as Cursor)) break;
      [items[i], items[parent]] = [items[parent] as Cursor, items[i] as Cursor];
      i = parent;
    }
  }

  pop(): Cursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l] as Cursor, items[m] as Cursor)) m = l;
        if (r < items.length && less(items[r] as Cursor, items[m] as Cursor)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as Cursor, items[i] as Cursor];
        i = m;
      }
    }
    return top;
  }

  drain(): Cursor[] {
    const all = this.items;
    this.items = [];
    return all;
  }
}

function less(a: Cursor, b: Cursor): boolean {
  return a.seq < b.seq || (a.seq === b.seq && a.ordinal < b.ordinal);
}
