/**
 * The per-thread manifest: the one document that says what the archive of a thread holds. Parts not listed in it
 * do not count (a run that died after uploading a part but before recording it left an orphan, removed later), so
 * moving the manifest is what commits a run's progress.
 */
import type { ParticipantInfo } from '../acs/chatPort';

export const ARCHIVE_FORMAT = 'acs-chat-archive/1';

export interface PartInfo {
  /** Blob name inside the thread's folder: `parts/<first seq>-<last seq>-<sha256 prefix>.ndjson.gz`. */
  name: string;
  /** Lines (message versions) in the part. */
  records: number;
  /** Records that are the first version of their message in the archive. */
  messages: number;
  /** Records that are a later version (edit or deletion) of a message archived before. */
  changes: number;
  /** Records of deleted messages. */
  deletions: number;
  /** Size of the blob (gzip). */
  bytes: number;
  /** Size of the NDJSON inside. */
  rawBytes: number;
  /** Hex SHA-256 of the blob's bytes. */
  sha256: string;
  firstSequenceId: number;
  lastSequenceId: number;
  /** createdOn of the first and last message in the part. */
  firstMessageOn: string;
  lastMessageOn: string;
  /**
   * `[messageId, sequenceId]` of the part's change records. ACS gives an edited or deleted message the thread's
   * next sequence id, so a later version can sit far from the earlier ones; read-back finds it here.
   */
  changed?: [string, number][];
  runId: string;
  writtenAt: string;
}

export interface ThreadSnapshot {
  topic: string;
  createdOn: string;
  createdBy?: string;
  metadata?: Record<string, string>;
  participants: ParticipantInfo[];
  /** When these properties and participants were read. */
  capturedAt: string;
  /** Set when a run found the thread gone from ACS: the archive is all that is left. */
  goneFromAcsAt?: string;
  /** Set when the archive deleted the thread in ACS after archiving it (ARCHIVE_DELETE_AFTER_DAYS). */
  deletedByArchiveAt?: string;
}

export type RunOutcome = 'succeeded' | 'failed' | 'skipped' | 'threadGone';

export interface RunCounts {
  /** Messages archived for the first time. */
  newMessages: number;
  /** New versions (edits, deletions) of messages archived before. */
  changes: number;
  /** Records written (newMessages + changes). */
  records: number;
  parts: number;
  /** list-messages pages read. */
  pages: number;
}

export interface RunSummary extends RunCounts {
  runId: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  outcome: RunOutcome;
  error?: string;
}

export interface Watermark {
  /** Every message up to this sequence id is archived. */
  sequenceId: number;
  messageId?: string;
  createdOn?: string;
}

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  threadId: string;
  thread?: ThreadSnapshot;
  /** In the order they were written; each part is sorted by sequence id. */
  parts: PartInfo[];
  counts: { messages: number; records: number; changes: number; deletions: number; parts: number; bytes: number };
  firstMessageOn?: string;
  lastMessageOn?: string;
  watermark?: Watermark;
  /** The newest message archived. */
  newest?: { sequenceId: number; messageId: string; createdOn: string };
  /** Sequence-id ranges archived completely, ascending and disjoint; `[[1, n]]` once a run has finished. */
  coverage: [number, number][];
  lastRun?: RunSummary;
  updatedAt: string;
}

export function emptyManifest(threadId: string, now: string): Manifest {
  return {
    format: ARCHIVE_FORMAT,
    threadId,
    parts: [],
    counts: { messages: 0, records: 0, changes: 0, deletions: 0, parts: 0, bytes: 0 },
    coverage: [],
    updatedAt: now,
  };
}

/** Adds [from, to] to disjoint ascending ranges, merging what overlaps or touches. */
export function addRange(ranges: readonly [number, number][], from: number, to: number): [number, number][] {
  if (to < from) return ranges.map((r) => [r[0], r[1]]);
  const out: [number, number][] = [];
  let lo = from;
  let hi = to;
  let placed = false;
  for (const [a, b] of ranges) {
    if (b + 1 < lo) out.push([a, b]);
    else if (a > hi + 1) {
      if (!placed) {
        out.push([lo, hi]);
        placed = true;
      }
      out.push([a, b]);
    } else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  if (!placed) out.push([lo, hi]);
  return out;
}

export function isCovered(ranges: readonly [number, number][], seq: number): boolean {
  return ranges.some(([a, b]) => seq >= a && seq <= b);
}

/** Highest sequence id archived, 0 when none. */
export function coverageTop(ranges: readonly [number, number][]): number {
  return ranges.length === 0 ? 0 : (ranges[ranges.length - 1] as [number, number])[1];
}

/** The n such that every message 1..n is archived (0 when the first range does not start at 1). */
export function contiguousTop(ranges: readonly [number, number][]): number {
  const first = ranges[0];
  return first && first[0] <= 1 ? first[1] : 0;
}

/** The manifest with one more committed part: totals, message time range, newest message. */
export function withPart(manifest: Manifest, part: PartInfo, newest?: Manifest['newest']): Manifest {
  const counts = {
    messages: manifest.counts.messages + part.messages,
    records: manifest.counts.records + part.records,
    changes: manifest.counts.changes + part.changes,
    deletions: manifest.counts.deletions + part.deletions,
    parts: manifest.counts.parts + 1,
    bytes: manifest.counts.bytes + part.bytes,
  };
  const first = earliest(manifest.firstMessageOn, part.firstMessageOn);
  const last = latest(manifest.lastMessageOn, part.lastMessageOn);
  const newestNow =
    !newest || (manifest.newest && manifest.newest.sequenceId >= newest.sequenceId) ? manifest.newest : newest;
  return {
    ...manifest,
    parts: [...manifest.parts, part],
    counts,
    ...(first ? { firstMessageOn: first } : {}),
    ...(last ? { lastMessageOn: last } : {}),
    ...(newestNow ? { newest: newestNow } : {}),
  };
}

/** The watermark that follows from the coverage: the newest message when everything up to it is archived. */
export function watermarkOf(manifest: Manifest): Watermark | undefined {
  const top = contiguousTop(manifest.coverage);
  if (top === 0) return undefined;
  const newest = manifest.newest;
  if (newest && newest.sequenceId === top) return { ...newest };
  return { sequenceId: top };
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
