/**
 * Parts: gzip NDJSON files of records in ascending sequence order, bounded by size (of the NDJSON inside). A part
 * may hold several gzip members one after another, which every gzip reader reads as one stream. A part is named after its
 * sequence range and the hash of its bytes, so writing the same records again (a retried run) writes the same
 * blob, never a second copy under another name.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { sequenceOf, type ArchiveRecord, type RecordKind } from './records';

const gzip = promisify(gzipCallback);

/** NDJSON bytes per part before compression (about 10,000 short messages; gzip makes it several times smaller). */
export const PART_MAX_RAW_BYTES = 4 * 1024 * 1024;

/**
 * A fast level: chat NDJSON compresses several times at any level (level 6 saves about a tenth more bytes for twice
 * the CPU), and on a busy instance the CPU is better left to the listing that sets the pace.
 */
const GZIP_LEVEL = 3;

export const PART_FOLDER = 'parts/';

/** A part whose records are all added: its compressed bytes (some chunks maybe still compressing) and counts. */
export interface PartContent {
  /** The gzip members, oldest chunk first, once every chunk is compressed. */
  gz: Promise<Buffer>;
  rawBytes: number;
  records: number;
  messages: number;
  changes: number;
  deletions: number;
  firstSequenceId: number;
  lastSequenceId: number;
  firstMessageOn: string;
  lastMessageOn: string;
  /** `[messageId, sequenceId]` of each change record: where a later version of a message lives. */
  changed: [string, number][];
}

export interface SealedPart extends Omit<PartContent, 'gz'> {
  name: string;
  gz: Buffer;
  sha256: string;
  md5: Buffer;
}

/**
 * First size of a part's buffer: a whole part at usual compression, so it seldom grows (a grown buffer leaves the
 * old one as garbage). Memory this large is mapped as it is written, so a small part does not cost all of it. A
 * buffer doubles when it must, and a reused one keeps its size.
 */
const PART_BUFFER_BYTES = 1024 * 1024;
/** Buffers kept for reuse: a run holds at most its parts in flight and the one being built. */
const SPARE_BUFFERS = 4;

/**
 * A part's compressed bytes, filled back to front: chunks come newest first, so putting each one just before the
 * previous leaves them oldest first in one buffer, with no joining copy at sealing.
 */
export class BackToFrontBytes {
  private start: number;

  constructor(private buffer: Buffer) {
    this.start = buffer.length;
  }

  prepend(chunk: Buffer): void {
    if (chunk.length > this.start) this.grow(chunk.length);
    this.start -= chunk.length;
    chunk.copy(this.buffer, this.start);
  }

  /** The bytes so far: a view of the buffer, valid until the buffer is reused. */
  get bytes(): Buffer {
    return this.buffer.subarray(this.start);
  }

  private grow(needed: number): void {
    const used = this.buffer.length - this.start;
    let size = Math.max(this.buffer.length * 2, PART_BUFFER_BYTES);
    while (size - used < needed) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buffer.copy(bigger, size - used, this.start);
    this.buffer = bigger;
    this.start = size - used;
  }
}

/**
 * Collects records for one part, newest first as ACS lists them. Records are compressed a chunk (a page) at a
 * time, each chunk reversed into ascending order and gzipped as one gzip member on libuv's pool, and each member is
 * put in front of the ones before it (BackToFrontBytes): the part is one valid gzip file in ascending order. So a
 * part waits in memory compressed, and the JSON text of a page is garbage before the next page arrives.
 *
 * The part's buffer is handed back once the part is uploaded (recycle) and filled again by a later part. Memory a
 * run keeps for more than a page ends up in V8's old space, where garbage waits for a full collection that a run
 * of a few seconds may never see: fresh buffers per part, or one per chunk (zlib hands each member over in a 16 KB
 * block), would pile up with the thread's length, about 1 MB per part.
 */
export class PartBuilder {
  private lines: string[] = [];
  /** The current part's compressed bytes; chunks are put in, in order, as each finishes compressing. */
  private gz: BackToFrontBytes | undefined;
  private compressed: Promise<void> = Promise.resolve();
  /** Buffers of uploaded parts, for the next parts to fill. */
  private readonly spare: ArrayBuffer[] = [];
  /** Exact NDJSON bytes of the chunks already compressed. */
  private bytes = 0;
  /** Characters of the current chunk: the size bound uses them, exact bytes are counted once per chunk. */
  private chunkChars = 0;
  private records = 0;
  private messages = 0;
  private deletions = 0;
  private changed: [string, number][] = [];
  // Plain fields, not objects: add() runs for every record.
  private newestSeq = 0;
  private newestOn = '';
  private oldestSeq = 0;
  private oldestOn = '';

  add(record: ArchiveRecord, kind: RecordKind): void {
    const seq = sequenceOf(record);
    if (this.records > 0 && seq >= this.oldestSeq) throw new Error('records must be added newest first');
    const json = JSON.stringify(record);
    this.lines.push(json);
    this.chunkChars += json.length + 1;
    this.records++;
    if (kind === 'new') this.messages++;
    else this.changed.push([record.id, seq]);
    if (record.deletedOn !== undefined) this.deletions++;
    if (this.records === 1) {
      this.newestSeq = seq;
      this.newestOn = this.oldestOn = record.createdOn;
    }
    this.oldestSeq = seq;
    // Creation times, not positions: an edited or deleted message moves to a newer sequence id but keeps its
    // creation time, so the part's time range is the least and greatest createdOn (RFC 3339 UTC sorts as text).
    if (record.createdOn > this.newestOn) this.newestOn = record.createdOn;
    if (record.createdOn < this.oldestOn) this.oldestOn = record.createdOn;
  }

  /** NDJSON size so far (the current chunk counted in characters, which is exact for ASCII text). */
  get rawBytes(): number {
    return this.bytes + this.chunkChars;
  }

  get isEmpty(): boolean {
    return this.records === 0;
  }

  /** Starts compressing the records added since the last chunk, as one gzip member in ascending order. */
  endChunk(): void {
    if (this.lines.length === 0) return;
    const ndjson = Buffer.from(`${this.lines.reverse().join('\n')}\n`, 'utf8');
    this.lines = [];
    this.chunkChars = 0;
    this.bytes += ndjson.length;
    const member = gzip(ndjson, { level: GZIP_LEVEL });
    member.catch(() => undefined); // awaited below; never an unhandled rejection if an earlier chunk failed
    const gz = (this.gz ??= this.partBytes());
    // In chunk order, whatever order the pool finishes them in: each goes in front of the newer ones.
    this.compressed = this.compressed.then(async () => gz.prepend(await member));
    this.compressed.catch(() => undefined); // awaited through take()'s content
  }

  /** A reused buffer when there is one: each fresh one would outlive its part as garbage. */
  private partBytes(): BackToFrontBytes {
    const spare = this.spare.pop();
    return new BackToFrontBytes(spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(PART_BUFFER_BYTES));
  }

  /**
   * Takes back the buffer of an uploaded part (its `gz`, which must not be read afterwards) for a later part.
   * A part's `gz` is a view of a whole ArrayBuffer of its own (allocUnsafeSlow, never Node's shared pool).
   */
  recycle(part: SealedPart): void {
    const buffer = part.gz.buffer;
    if (this.spare.length < SPARE_BUFFERS && buffer instanceof ArrayBuffer && buffer.byteLength >= PART_BUFFER_BYTES) {
      this.spare.push(buffer);
    }
  }

  /** The part so far (its last chunk started compressing), and empties the builder. */
  take(): PartContent | undefined {
    this.endChunk();
    if (this.records === 0) return undefined;
    const gz = this.gz;
    const compressed = this.compressed.then(() => gz?.bytes ?? Buffer.alloc(0));
    compressed.catch(() => undefined); // awaited by sealPart; never an unhandled rejection meanwhile
    const content: PartContent = {
      gz: compressed,
      rawBytes: this.bytes,
      records: this.records,
      messages: this.messages,
      changes: this.records - this.messages,
      deletions: this.deletions,
      firstSequenceId: this.oldestSeq,
      lastSequenceId: this.newestSeq,
      firstMessageOn: this.oldestOn,
      lastMessageOn: this.newestOn,
      changed: this.changed,
    };
    this.gz = undefined;
    this.compressed = Promise.resolve();
    this.changed = [];
    this.bytes = this.chunkChars = this.records = this.messages = this.deletions = 0;
    return content;
  }
}

/** Waits for a part's last chunks to be compressed and names it after its range and content. */
export async function sealPart(content: PartContent): Promise<SealedPart> {
  const { gz: compressed, ...stats } = content;
  const gz = await compressed;
  const sha256 = createHash('sha256').update(gz).digest('hex');
  const md5 = createHash('md5').update(gz).digest();
  const name = `${PART_FOLDER}${pad(stats.firstSequenceId)}-${pad(stats.lastSequenceId)}-${sha256.slice(0, 16)}.ndjson.gz`;
  return { ...stats, name, gz, sha256, md5 };
}

function pad(seq: number): string {
  return String(seq).padStart(10, '0');
}
