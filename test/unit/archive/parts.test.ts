import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { addRange, contiguousTop, coverageTop, isCovered, type PartInfo } from '../../../src/archive/manifest';
import { ArchiveCorrupt, mergeParts } from '../../../src/archive/partReader';
import { BackToFrontBytes, PartBuilder, sealPart, type SealedPart } from '../../../src/archive/parts';
import type { ArchiveRecord } from '../../../src/archive/records';

const record = (seq: number, version = seq, text = `m${seq}`): ArchiveRecord => ({
  id: String(1000 + seq),
  sequenceId: String(seq),
  version: String(version),
  type: 'text',
  createdOn: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  content: { message: text },
});

async function part(records: ArchiveRecord[]): Promise<SealedPart> {
  const builder = new PartBuilder();
  // Newest first, as ACS lists them; a chunk per two records, as pages would.
  const newestFirst = [...records].sort((a, b) => Number(b.sequenceId) - Number(a.sequenceId));
  newestFirst.forEach((r, i) => {
    builder.add(r, 'new');
    if (i % 2 === 1) builder.endChunk();
  });
  const content = builder.take();
  if (!content) throw new Error('empty');
  return sealPart(content);
}

const info = (p: SealedPart): PartInfo => ({
  name: p.name,
  records: p.records,
  messages: p.messages,
  changes: p.changes,
  deletions: p.deletions,
  bytes: p.gz.length,
  rawBytes: p.rawBytes,
  sha256: p.sha256,
  firstSequenceId: p.firstSequenceId,
  lastSequenceId: p.lastSequenceId,
  firstMessageOn: p.firstMessageOn,
  lastMessageOn: p.lastMessageOn,
  runId: 'r',
  writtenAt: '',
});

describe('coverage ranges', () => {
  it('merges overlapping and touching ranges', () => {
    let r = addRange([], 10, 20);
    r = addRange(r, 30, 40);
    expect(r).toEqual([
      [10, 20],
      [30, 40],
    ]);
    expect(addRange(r, 21, 29)).toEqual([[10, 40]]);
    expect(addRange(r, 1, 9)).toEqual([
      [1, 20],
      [30, 40],
    ]);
    expect(addRange(r, 15, 35)).toEqual([[10, 40]]);
    expect(addRange(r, 50, 60)).toEqual([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    expect(isCovered(r, 20)).toBe(true);
    expect(isCovered(r, 25)).toBe(false);
    expect(coverageTop(r)).toBe(40);
    expect(contiguousTop(r)).toBe(0);
    expect(contiguousTop(addRange(r, 1, 9))).toBe(20);
  });
});

describe('parts', () => {
  it('writes records received newest first in ascending order and names the part after its range and bytes', async () => {
    const p = await part([record(3), record(2), record(1)]);
    expect(p.name).toMatch(/^parts\/0000000001-0000000003-[0-9a-f]{16}\.ndjson\.gz$/);
    const lines = gunzipSync(p.gz).toString('utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as ArchiveRecord).sequenceId)).toEqual(['1', '2', '3']);
    // The same records give the same blob: a retried upload overwrites, it never adds a second copy.
    expect((await part([record(3), record(2), record(1)])).name).toBe(p.name);
    // Records must come newest first.
    const builder = new PartBuilder();
    builder.add(record(1), 'new');
    expect(() => builder.add(record(2), 'new')).toThrow('newest first');
  });

  it('puts each chunk in front of the ones before it, growing the buffer as needed', () => {
    const bytes = new BackToFrontBytes(Buffer.alloc(3));
    for (const chunk of ['cc', 'bb', 'aa']) bytes.prepend(Buffer.from(chunk));
    expect(bytes.bytes.toString()).toBe('aabbcc');
    const big = Buffer.alloc(3_000_000, 'z'); // more than twice the first growth
    bytes.prepend(big);
    expect(bytes.bytes.length).toBe(3_000_006);
    expect(bytes.bytes.subarray(2_999_998).toString()).toBe('zzaabbcc');
  });

  it('fills the buffer of an uploaded part again: the next part has the same bytes as in a buffer of its own', async () => {
    const build = async (builder: PartBuilder, seqs: number[]) => {
      for (const seq of seqs) {
        builder.add(record(seq), 'new');
        builder.endChunk();
      }
      const content = builder.take();
      if (!content) throw new Error('empty');
      return sealPart(content);
    };
    const builder = new PartBuilder();
    const first = await build(builder, [3, 2, 1]);
    expect(gunzipSync(first.gz).toString('utf8')).toContain('"sequenceId":"1"');
    builder.recycle(first); // uploaded
    const second = await build(builder, [6, 5, 4]);
    expect(second.gz.buffer).toBe(first.gz.buffer);
    const lines = gunzipSync(second.gz).toString('utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as ArchiveRecord).sequenceId)).toEqual(['4', '5', '6']);
    const alone = await build(new PartBuilder(), [6, 5, 4]);
    expect(second.gz.equals(alone.gz)).toBe(true);
    expect(second.name).toBe(alone.name);
  });

  it('merges parts by sequence id, versions of one message in the order written', async () => {
    const a = await part([record(1), record(2), record(5)]);
    const b = await part([record(3), record(4)]);
    const edits = await part([record(2, 99, 'edited'), record(4, 98, 'edited')]);
    const blobs = new Map([a, b, edits].map((p) => [p.name, p.gz]));
    const open = async (name: string) => Readable.from([blobs.get(name) as Buffer]);
    const out: ArchiveRecord[] = [];
    for await (const r of mergeParts([info(a), info(b), info(edits)], open)) out.push(r);
    expect(out.map((r) => `${r.sequenceId}:${r.version}`)).toEqual(['1:1', '2:2', '2:99', '3:3', '4:4', '4:98', '5:5']);

    const some: ArchiveRecord[] = [];
    for await (const r of mergeParts([info(a), info(b), info(edits)], open, {
      partFilter: (p) => p.lastSequenceId >= 4,
      recordFilter: (_, seq) => seq >= 4,
    })) {
      some.push(r);
    }
    expect(some.map((r) => r.sequenceId)).toEqual(['4', '4', '5']);
  });

  it('refuses a part whose bytes do not match the manifest', async () => {
    const p = await part([record(1), record(2)]);
    const tampered = { ...info(p), sha256: '0'.repeat(64) };
    const read = async () => {
      for await (const _ of mergeParts([tampered], async () => Readable.from([p.gz]))) {
        // drain
      }
    };
    await expect(read()).rejects.toBeInstanceOf(ArchiveCorrupt);
  });
});
