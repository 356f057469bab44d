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

/** A part whose records are all added: its compressed chunks (newest first, some maybe still compressing). */
export interface PartContent {
  /** gzip members, one per chunk, newest chunk first; each chunk is in ascending order. */
  members: Promise<Buffer>[];
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

export interface SealedPart extends Omit<PartContent, 'members'> {
  name: string;
  gz: Buffer;
  sha256: string;
  md5: Buffer;
}

/**
 * Collects records for one part, newest first as ACS lists them. Records are compressed a chunk (a page) at a
 * time, each chunk reversed into ascending order and gzipped as one gzip member on libuv's pool; sealing
 * concatenates the members oldest chunk first, which is one valid gzip file in ascending order. So a part waits in
 * memory compressed, and the JSON text of a page is garbage before the next page arrives.
 */
export class PartBuilder {
  private lines: string[] = [];
  private members: Promise<Buffer>[] = [];
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
    member.catch(() => undefined); // awaited by sealPart; never an unhandled rejection meanwhile
    this.members.push(member);
  }

  /** The part so far (its last chunk started compressing), and empties the builder. */
  take(): PartContent | undefined {
    this.endChunk();
    if (this.records === 0) return undefined;
    const content: PartContent = {
      members: this.members,
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
    this.members = [];
    this.changed = [];
    this.bytes = this.chunkChars = this.records = this.messages = this.deletions = 0;
    return content;
  }
}

/** Joins a part's compressed chunks, oldest first, and names it after its range and content. */
export async function sealPart(content: PartContent): Promise<SealedPart> {
  const { members, ...stats } = content;
  const gz = Buffer.concat((await Promise.all(members)).reverse());
  const sha256 = createHash('sha256').update(gz).digest('hex');
  const md5 = createHash('md5').update(gz).digest();
  const name = `${PART_FOLDER}${pad(stats.firstSequenceId)}-${pad(stats.lastSequenceId)}-${sha256.slice(0, 16)}.ndjson.gz`;
  return { ...stats, name, gz, sha256, md5 };
}

function pad(seq: number): string {
  return String(seq).padStart(10, '0');
}
