/**
 * One archive run of one thread, under the thread's lease.
 *
 * ACS lists messages newest first, by sequence id. The manifest's `coverage` says which sequence ranges are
 * archived completely, so a run lists from the newest message down and, for each message:
 *  - not covered yet (newer than the last run, or in a gap left by a run that died): archives it as new;
 *  - covered and inside the re-scan window (the newest `rescanMessages` archived): compares it with the version
 *    the archive holds and archives it again if it was edited or deleted since;
 *  - covered, below the window, with everything older covered too: stops listing there.
 * So an incremental run reads what is new plus a bounded window (a few pages), never the whole thread again.
 *
 * Records go into size-bounded parts. Each part is compressed while the next pages are fetched, uploaded, and only
 * then added to the manifest together with the coverage it completes (ETag-conditioned write): a run that dies
 * loses at most the parts not yet recorded, and the next run resumes from the recorded coverage without writing
 * any record twice.
 */
import type { ChatPort, MessagePage } from '../acs/chatPort';
import { AcsFailure } from '../acs/acsErrors';
import { withRetry, type RetryPolicy } from '../acs/retry';
import { DomainError } from '../domainErrors';
import { ArchiveConflict, type Lease, type ThreadBlobs } from './archiveStore';
import type { ChangeNote, ChangeNotes } from './changeNotes';
import {
  addRange,
  contiguousTop,
  coverageTop,
  emptyManifest,
  isCovered,
  watermarkOf,
  withPart,
  type Manifest,
  type PartInfo,
  type RunCounts,
  type RunOutcome,
  type RunSummary,
  type ThreadSnapshot,
} from './manifest';
import { mergeParts } from './partReader';
import { PART_MAX_RAW_BYTES, PartBuilder, sealPart, type SealedPart } from './parts';
import { revisionOf, sequenceOf, type ArchiveRecord, type RecordKind } from './records';

export interface ArchiveSettings {
  /** list-messages page size: the ACS maximum. */
  pageSize: number;
  /** How many of the newest archived messages each run re-reads to catch edits and deletions. */
  rescanMessages: number;
  partMaxRawBytes: number;
  /** Parts compressing or uploading while the listing goes on. */
  partsInFlight: number;
  /** Noted changes (noteMessageChanged) handled per run; the rest wait for the next one. */
  maxNotesPerRun: number;
  /** Delete threads in ACS once archived when they are older than this many days; 0 = never. */
  deleteAfterDays: number;
  /** Retry of one page fetch: throttling (429 + Retry-After) and transient failures. */
  pageRetry: RetryPolicy;
  /** Retry of the other single calls. */
  callRetry: RetryPolicy;
}

export const DEFAULT_ARCHIVE_SETTINGS: ArchiveSettings = {
  pageSize: 200,
  rescanMessages: 2_000,
  partMaxRawBytes: PART_MAX_RAW_BYTES,
  partsInFlight: 2,
  maxNotesPerRun: 500,
  deleteAfterDays: 0,
  // The per-minute list limits can ask for up to a minute's wait: leave room for two of them.
  pageRetry: { budgetMs: 150_000 },
  callRetry: { budgetMs: 30_000 },
};

export interface RunRequest {
  runId: string;
  trigger: string;
  startedAt: Date;
}

export interface RunDeps {
  chat: ChatPort;
  archive: ThreadBlobs;
  notes: ChangeNotes;
  lease: Lease;
  settings: ArchiveSettings;
  now: () => Date;
}

const MINUTE = 60_000;

export class ArchiveRun {
  private manifest: Manifest;
  private etag: string | undefined;
  private existed = false;
  private snapshot: ThreadSnapshot | undefined;
  private readonly builder = new PartBuilder();
  private readonly counts: RunCounts = { newMessages: 0, changes: 0, records: 0, parts: 0, pages: 0 };
  /** Sequence id of the first (newest) message this run listed. */
  private runTop: number | undefined;
  private lowestListed: number | undefined;
  private newest: Manifest['newest'];
  /** Part seal → upload → manifest commit, one after another, in listing order. */
  private chain: Promise<void> = Promise.resolve();
  private inFlight: Promise<void>[] = [];
  private failure: unknown;

  constructor(
    private readonly deps: RunDeps,
    private readonly request: RunRequest,
  ) {
    this.manifest = emptyManifest(deps.archive.threadId, deps.now().toISOString());
  }

  private get threadId(): string {
    return this.deps.archive.threadId;
  }

  async execute(): Promise<RunSummary> {
    const stored = await this.deps.archive.readManifest();
    if (stored) {
      this.manifest = stored.manifest;
      this.etag = stored.etag;
      this.existed = true;
    }
    const snapshot = await this.readThread();
    if (!snapshot) return this.threadGone();
    this.snapshot = snapshot;

    await this.listAndArchive();
    const handled = await this.archiveNotedChanges();

    const summary = this.summary('succeeded');
    await this.commit((m) => ({ ...m, lastRun: summary }));
    await this.deps.notes.clear(this.threadId, handled);
    await this.removeOrphans();
    await this.deleteIfOld();
    return summary;
  }

  /** Best effort after a failure: record the outcome if this run still may write. */
  async recordFailure(error: unknown): Promise<RunSummary> {
    const summary = this.summary('failed', error);
    try {
      await this.chain;
      // Nothing was ever committed (e.g. a thread ACS does not know): write no manifest for it. And a run that lost
      // the thread to another must not write at all.
      if (this.etag === undefined) return summary;
      if (error instanceof ArchiveConflict || this.failure instanceof ArchiveConflict) return summary;
      await this.commit((m) => ({ ...m, lastRun: summary }));
    } catch {
      // the manifest keeps the previous outcome; the run log still has this one
    }
    return summary;
  }

  private summary(outcome: RunOutcome, error?: unknown): RunSummary {
    return {
      runId: this.request.runId,
      trigger: this.request.trigger,
      startedAt: this.request.startedAt.toISOString(),
      finishedAt: this.deps.now().toISOString(),
      outcome,
      ...this.counts,
      ...(error !== undefined ? { error: describe(error) } : {}),
    };
  }

  /** The thread's properties and participants now; undefined when ACS no longer has the thread. */
  private async readThread(): Promise<ThreadSnapshot | undefined> {
    const { chat } = this.deps;
    try {
      const info = await withRetry(() => chat.getThread(this.threadId), this.deps.settings.callRetry);
      const participants = await withRetry(async () => {
        const list = [];
        for await (const p of chat.listParticipants(this.threadId)) list.push(p);
        return list;
      }, this.deps.settings.callRetry);
      return {
        topic: info.topic,
        createdOn: info.createdOn,
        ...(info.createdBy ? { createdBy: info.createdBy } : {}),
        ...(info.metadata ? { metadata: info.metadata } : {}),
        participants,
        capturedAt: this.deps.now().toISOString(),
      };
    } catch (error) {
      if (error instanceof AcsFailure && error.kind === 'notFound') return undefined;
      throw error;
    }
  }

  /** ACS no longer has the thread: the archive stays as it is, marked with when that was noticed. */
  private async threadGone(): Promise<RunSummary> {
    if (!this.existed) {
      throw new DomainError('notFound', `threadId: ACS has no thread ${this.threadId}, and it was never archived`, {
        field: 'threadId',
        rule: 'exists',
      });
    }
    const now = this.deps.now().toISOString();
    const summary = this.summary('threadGone');
    await this.commit((m) => ({
      ...m,
      ...(m.thread ? { thread: { ...m.thread, goneFromAcsAt: m.thread.goneFromAcsAt ?? now } } : {}),
      lastRun: summary,
    }));
    return summary;
  }

  /** The listing pass: what is new, and the re-scan window compared with what the archive holds. */
  private async listAndArchive(): Promise<void> {
    const { chat, settings } = this.deps;
    const coverage = this.manifest.coverage;
    const top = coverageTop(coverage);
    const bottom = contiguousTop(coverage);
    const floor = top > 0 ? Math.max(1, top - settings.rescanMessages + 1) : Number.POSITIVE_INFINITY;
    const held =
      top > 0 ? await this.heldRevisions(floor) : { revisions: new Map<number, string>(), oldest: NaN, newestId: NaN };
    // The most recent message id archived (ids are creation times; the window holds the most recently created).
    const newestId = held.newestId;
    // With no gap anywhere (coverage is [1, top]), ask ACS only for the window and what is newer (a minute of
    // slack for second-precision times); the sequence ids still decide what is done. With a gap (a run died), list
    // down to it.
    const startTime =
      top > 0 && bottom === top && Number.isFinite(held.oldest) ? new Date(held.oldest - MINUTE) : undefined;

    const fetchPage = (continuationToken?: string): Promise<MessagePage> => {
      const page = withRetry(
        () =>
          chat.listMessagesPage(this.threadId, {
            pageSize: settings.pageSize,
            ...(startTime ? { startTime } : {}),
            ...(continuationToken ? { continuationToken } : {}),
          }),
        settings.pageRetry,
      );
      page.catch(() => undefined); // awaited below; a prefetch nobody waits for must not crash the process
      return page;
    };

    let next: Promise<MessagePage> | undefined = fetchPage();
    let complete = false;
    while (next) {
      const page: MessagePage = await next;
      this.counts.pages++;
      // Fetch the next page while this one is turned into records, unless this page already reaches archived
      // history below the window (the loop stops there).
      const oldest = page.messages[page.messages.length - 1];
      const reachesArchived = oldest !== undefined && sequenceOf(oldest) < floor && sequenceOf(oldest) <= bottom;
      next = page.continuationToken && !reachesArchived ? fetchPage(page.continuationToken) : undefined;
      let stop = false;
      for (const message of page.messages) {
        const seq = sequenceOf(message);
        this.runTop ??= seq;
        // Not archived at this sequence id: new, unless it is above everything archived yet older than the newest
        // message archived (ids are creation times): ACS moves an edited or deleted message to the thread's next
        // sequence id. A message in a gap (below `top`, left by a run that died) is new. An earlier run may have
        // archived this version from its note already (archiveNotedChanges): then it is not written twice.
        if (!isCovered(coverage, seq)) {
          if (held.revisions.get(seq) !== revisionOf(message))
            this.add(message, seq > top && Number(message.id) <= newestId ? 'change' : 'new');
        } else if (seq >= floor) {
          if (held.revisions.get(seq) !== revisionOf(message)) this.add(message, 'change');
        } else if (seq <= bottom) {
          stop = true; // below the window, and everything older is archived
          break;
        }
        this.lowestListed = seq;
        if (this.builder.rawBytes >= settings.partMaxRawBytes) await this.seal(seq);
      }
      this.builder.endChunk(); // compress this page's records while the next page comes
      this.throwIfFailed();
      this.deps.lease.check();
      if (stop || !next) {
        complete = true; // stopped at archived history, or ACS has nothing older
        break;
      }
    }
    if (this.runTop !== undefined) await this.seal(complete ? 1 : (this.lowestListed ?? this.runTop));
    await this.drain();
  }

  private add(record: ArchiveRecord, kind: RecordKind): void {
    this.builder.add(record, kind);
    this.counts.records++;
    if (kind === 'new') {
      this.counts.newMessages++;
      this.newest ??= { sequenceId: sequenceOf(record), messageId: record.id, createdOn: record.createdOn };
    } else this.counts.changes++;
  }

  /**
   * The latest revision the archive holds of each message from `floor` up, the oldest creation time there, and the
   * greatest message id.
   */
  private async heldRevisions(
    floor: number,
  ): Promise<{ revisions: Map<number, string>; oldest: number; newestId: number }> {
    const revisions = new Map<number, string>();
    let oldest = Number.POSITIVE_INFINITY;
    let newestId = Number.NaN;
    for await (const record of mergeParts(this.manifest.parts, (name) => this.deps.archive.downloadPart(name), {
      partFilter: (p) => p.lastSequenceId >= floor,
      recordFilter: (_, seq) => seq >= floor,
    })) {
      revisions.set(sequenceOf(record), revisionOf(record)); // later parts hold later versions
      oldest = Math.min(oldest, Date.parse(record.createdOn));
      if (!(Number(record.id) <= newestId)) newestId = Number(record.id);
    }
    return { revisions, oldest, newestId };
  }

  /**
   * Closes the current part (if it has records) and queues its compression, upload and the manifest commit that
   * records it with the coverage [coveredFrom, runTop]. Waits only when too many parts are already in flight.
   */
  private async seal(coveredFrom: number | undefined): Promise<void> {
    const content = this.builder.take();
    if (!content && coveredFrom === undefined) return;
    const sealing = content ? sealPart(content) : undefined; // compression starts now, on the thread pool
    sealing?.catch(() => undefined);
    const coveredTo = this.runTop;
    const newest = this.newest;
    const link = this.chain.then(async () => {
      this.throwIfFailed();
      let info: PartInfo | undefined;
      if (sealing) {
        const part = await sealing;
        this.deps.lease.check();
        await this.deps.archive.uploadPart(part);
        info = this.partInfo(part);
        this.builder.recycle(part); // uploaded: its buffer can take a later part
        this.counts.parts++;
      }
      await this.commit((m) => {
        const next = info ? withPart(m, info, newest) : m;
        return coveredFrom !== undefined && coveredTo !== undefined
          ? { ...next, coverage: addRange(next.coverage, coveredFrom, coveredTo) }
          : next;
      });
    });
    this.chain = link.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.push(this.chain);
    while (this.inFlight.length > this.deps.settings.partsInFlight) await this.inFlight.shift();
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    await this.chain;
    this.inFlight = [];
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private partInfo(part: SealedPart): PartInfo {
    return {
      name: part.name,
      records: part.records,
      messages: part.messages,
      changes: part.changes,
      deletions: part.deletions,
      bytes: part.gz.length,
      rawBytes: part.rawBytes,
      sha256: part.sha256,
      firstSequenceId: part.firstSequenceId,
      lastSequenceId: part.lastSequenceId,
      firstMessageOn: part.firstMessageOn,
      lastMessageOn: part.lastMessageOn,
      ...(part.changed.length > 0 ? { changed: part.changed } : {}),
      runId: this.request.runId,
      writtenAt: this.deps.now().toISOString(),
    };
  }

  /** Writes the manifest (ETag-conditioned, lease checked) with the thread as read at the start of this run. */
  private async commit(change: (m: Manifest) => Manifest): Promise<void> {
    this.deps.lease.check();
    const changed = change(this.manifest);
    const watermark = watermarkOf(changed);
    const { watermark: _old, ...rest } = changed;
    const next: Manifest = {
      ...rest,
      ...(this.snapshot ? { thread: this.snapshot } : {}),
      ...(watermark ? { watermark } : {}),
      updatedAt: this.deps.now().toISOString(),
    };
    this.etag = await this.deps.archive.writeManifest(next, this.etag);
    this.manifest = next;
  }

  /**
   * Noted changes (noteMessageChanged): each noted message is fetched and archived unless the archive already holds
   * that version at its sequence id. The listing cannot be trusted with them: an edit or deletion moves an old
   * message to a new sequence id, and a listing from startTime (creation times) never returns a message created
   * before that time, even when its new sequence id is in the window or above everything archived. Comparing with
   * the archive itself (this run's parts included) keeps a version the listing wrote from being written twice.
   * Returns the notes handled, to clear once committed.
   */
  private async archiveNotedChanges(): Promise<ChangeNote[]> {
    const { chat, settings } = this.deps;
    const notes = await this.deps.notes.list(this.threadId, settings.maxNotesPerRun);
    const noted = new Map<number, ArchiveRecord>();
    for (const note of notes) {
      try {
        const message = await withRetry(() => chat.getMessage(this.threadId, note.messageId), settings.callRetry);
        noted.set(sequenceOf(message), message);
      } catch (error) {
        if (!(error instanceof AcsFailure && error.kind === 'notFound')) throw error;
        // gone (or hidden from the service user): nothing to archive
      }
    }
    if (noted.size === 0) return notes;
    const held = await this.revisionsAt(new Set(noted.keys()));
    const changed = [...noted.values()].filter((m) => held.get(sequenceOf(m)) !== revisionOf(m));
    // Newest first, as the part builder takes records.
    for (const record of changed.sort((a, b) => sequenceOf(b) - sequenceOf(a))) this.add(record, 'change');
    await this.seal(undefined);
    await this.drain();
    return notes;
  }

  /** The latest revision the archive holds at each of these sequence ids (later parts hold later versions). */
  private async revisionsAt(seqs: ReadonlySet<number>): Promise<Map<number, string>> {
    const held = new Map<number, string>();
    for await (const record of mergeParts(this.manifest.parts, (name) => this.deps.archive.downloadPart(name), {
      partFilter: (p) => [...seqs].some((seq) => seq >= p.firstSequenceId && seq <= p.lastSequenceId),
      recordFilter: (_, seq) => seqs.has(seq),
    })) {
      held.set(sequenceOf(record), revisionOf(record));
    }
    return held;
  }

  /** Parts uploaded by runs that died before recording them. Safe under the lease: no other run is writing. */
  private async removeOrphans(): Promise<void> {
    const listed = new Set(this.manifest.parts.map((p) => p.name));
    for await (const name of this.deps.archive.partNames()) {
      if (!listed.has(name)) await this.deps.archive.deletePart(name);
    }
  }

  /** Optional: delete the thread in ACS once archived, when it is older than ARCHIVE_DELETE_AFTER_DAYS. */
  private async deleteIfOld(): Promise<void> {
    const { chat, settings } = this.deps;
    const snapshot = this.snapshot;
    if (settings.deleteAfterDays <= 0 || !snapshot) return;
    const now = this.deps.now();
    if (now.getTime() - Date.parse(snapshot.createdOn) < settings.deleteAfterDays * 24 * 60 * MINUTE) return;
    // A pending note is an edit or deletion the archive may not hold yet (beyond this run's share of notes, or
    // noted since): the thread stays until a run has handled them all.
    if ((await this.deps.notes.list(this.threadId, 1)).length > 0) return;
    // Something sent since the listing began would be lost: leave the thread for the next run to archive first.
    // Above the coverage may also be an old message an edit moved there, which no listing from startTime reads:
    // enough that the archive holds it (from its note).
    const page = await withRetry(() => chat.listMessagesPage(this.threadId, { pageSize: 1 }), settings.callRetry);
    const newest = page.messages[0];
    if (newest && sequenceOf(newest) > coverageTop(this.manifest.coverage)) {
      const held = await this.revisionsAt(new Set([sequenceOf(newest)]));
      if (held.get(sequenceOf(newest)) !== revisionOf(newest)) return;
    }
    await withRetry(() => chat.deleteThread(this.threadId), settings.callRetry);
    const at = now.toISOString();
    this.snapshot = { ...snapshot, deletedByArchiveAt: at };
    await this.commit((m) => m);
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
