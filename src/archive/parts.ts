/**
 * Parts: gzip NDJSON files of records in ascending sequence order, bounded by size. A part is named after its
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

/** zlib's default: chat text compresses well at any level, and the work runs on libuv's pool beside the listing. */
const GZIP_LEVEL = 6;

export const PART_FOLDER = 'parts/';

interface Entry {
  seq: number;
  line: string;
  kind: RecordKind;
  deleted: boolean;
  createdOn: string;
}

export interface PartContent {
  ndjson: Buffer;
  records: number;
  messages: number;
  changes: number;
  deletions: number;
  firstSequenceId: number;
  lastSequenceId: number;
  firstMessageOn: string;
  lastMessageOn: string;
}

export interface SealedPart extends PartContent {
  name: string;
  gz: Buffer;
  sha256: string;
  md5: Buffer;
}

/** Collects records (in any order) for one part. */
export class PartBuilder {
  private entries: Entry[] = [];
  private bytes = 0;

  add(record: ArchiveRecord, kind: RecordKind): void {
    const line = `${JSON.stringify(record)}\n`;
    this.entries.push({
      seq: sequenceOf(record),
      line,
      kind,
      deleted: record.deletedOn !== undefined,
      createdOn: record.createdOn,
    });
    this.bytes += Buffer.byteLength(line);
  }

  get rawBytes(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The collected records in ascending sequence order (stable for equal ids), and empties the builder. */
  take(): PartContent | undefined {
    if (this.entries.length === 0) return undefined;
    const entries = this.entries.sort((a, b) => a.seq - b.seq);
    const ndjson = Buffer.allocUnsafe(this.bytes);
    let offset = 0;
    let messages = 0;
    let deletions = 0;
    for (const e of entries) {
      offset += ndjson.write(e.line, offset);
      if (e.kind === 'new') messages++;
      if (e.deleted) deletions++;
    }
    const first = entries[0] as Entry;
    const last = entries[entries.length - 1] as Entry;
    this.entries = [];
    this.bytes = 0;
    return {
      ndjson,
      records: entries.length,
      messages,
      changes: entries.length - messages,
      deletions,
      firstSequenceId: first.seq,
      lastSequenceId: last.seq,
      firstMessageOn: first.createdOn,
      lastMessageOn: last.createdOn,
    };
  }
}

/** Compresses a part and names it after its range and content. */
export async function sealPart(content: PartContent): Promise<SealedPart> {
  const gz = await gzip(content.ndjson, { level: GZIP_LEVEL });
  const sha256 = createHash('sha256').update(gz).digest('hex');
  const md5 = createHash('md5').update(gz).digest();
  const name = `${PART_FOLDER}${pad(content.firstSequenceId)}-${pad(content.lastSequenceId)}-${sha256.slice(0, 16)}.ndjson.gz`;
  return { ...content, name, gz, sha256, md5 };
}

function pad(seq: number): string {
  return String(seq).padStart(10, '0');
}
