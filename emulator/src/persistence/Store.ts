import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Errors } from '../errors/AcsErrorFactory';
import type { EmulatorEvent } from '../events/EmulatorEvent';
import type { EventHub } from '../events/EventHub';
import { toEvents } from '../events/toEvents';
import { newResourceId } from '../model/ids';
import { applyChange } from './applyChange';
import type { Change } from './changes';
import { DEFAULT_COMPACT_BYTES, FileJournal, NullJournal, type IJournal, type JournalRecord } from './Journal';
import { acquireLocationLock } from './LocationLock';
import { isOutboxRecord, Outbox, type OutboxRecord } from './Outbox';
import { applySnapshotRecord, isSnapshotRecord, snapshotLines, snapshotSize } from './snapshot';
import { State } from './State';

export const JOURNAL_FILE = 'acs-emulator-state.jsonl';

/** Test-only: online compaction threshold in bytes (default 64 MiB). */
export const COMPACT_BYTES_ENV = 'ACS_EMULATOR_COMPACT_BYTES';

/** Start-up compaction pays off past this size when the history is over twice the live state. */
const STARTUP_COMPACT_BYTES = 1024 * 1024;

function compactBytes(): number {
  const n = Number(process.env[COMPACT_BYTES_ENV]);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_COMPACT_BYTES;
}

/**
 * Start-up rule: rewrite the journal when it holds a reset (everything before it is dead), or when it is over
 * 1 MiB and has more than twice the lines a snapshot of the live state needs.
 */
export function shouldCompactAtStart(
  records: JournalRecord[],
  bytes: number,
  state: State,
  outbox = new Outbox(),
): boolean {
  if (records.some((r) => r.t === 'reset')) return true;
  return bytes > STARTUP_COMPACT_BYTES && records.length > 2 * (snapshotSize(state) + outbox.snapshotSize());
}

/** Rebuilds the state and the delivery outbox from journal records (a snapshot, then changes). */
export function replay(records: JournalRecord[], state = new State(), outbox = new Outbox()): State {
  for (const r of records) {
    if (isOutboxRecord(r)) outbox.apply(r);
    else if (isSnapshotRecord(r)) {
      if (r.t === 'snap') outbox.clear(); // the snapshot's own outbox records follow
      applySnapshotRecord(state, r);
    } else applyChange(state, r);
  }
  return state;
}

/** A compacted journal: the state, then the outbox. */
function snapshotOf(state: State, outbox: Outbox): string[] {
  const lines = snapshotLines(state);
  for (const r of outbox.snapshotRecords()) lines.push(JSON.stringify(r));
  return lines;
}

/** Where committed events go besides the event hub: the webhook deliveries (events/WebhookDelivery.ts). */
export interface OutboxRouter {
  /** The endpoints that receive events published now. */
  addressees(): string[];
  /** Called once those events are durable, with the record that queued them. */
  queued(record: Extract<OutboxRecord, { t: 'evQ' }>): void;
}

/**
 * Every state change goes through commit(): applied to memory at once (so ids and sequence numbers are assigned
 * in order), made durable by the journal, then announced on the event hub.
 */
export class Store {
  /** settles once every change committed so far is durable */
  private tail: Promise<void> = Promise.resolve();
  private router: OutboxRouter | undefined;

  private constructor(
    readonly state: State,
    /** undelivered events, runtime webhooks and dead letters (persisted with the state) */
    readonly outbox: Outbox,
    private readonly journal: IJournal,
    private readonly events: EventHub,
    private readonly unlock: () => void,
  ) {}

  static async open(location: string | undefined, events: EventHub): Promise<Store> {
    let journal: IJournal = new NullJournal();
    let file: FileJournal | undefined;
    let unlock = (): void => undefined;
    if (location !== undefined) {
      mkdirSync(location, { recursive: true });
      unlock = acquireLocationLock(location);
      journal = file = new FileJournal(path.join(location, JOURNAL_FILE), compactBytes());
    }
    const state = new State();
    const outbox = new Outbox();
    try {
      const records = await journal.load();
      replay(records, state, outbox);
      if (file && shouldCompactAtStart(records, file.size, state, outbox))
        await file.compact(snapshotOf(state, outbox));
    } catch (err) {
      await journal.close().catch(() => undefined);
      unlock();
      throw err;
    }
    journal.compactOnline(() => snapshotOf(state, outbox));
    const store = new Store(state, outbox, journal, events, unlock);
    if (state.resourceId === '') await store.commit([{ t: 'init', resourceId: newResourceId() }]);
    return store;
  }

  /** Sends every later commit's events to `router` too (set once the deliveries exist). */
  route(router: OutboxRouter): void {
    this.router = router;
  }

  async commit(changes: Change[]): Promise<void> {
    const events: EmulatorEvent[] = [];
    for (const c of changes) {
      applyChange(this.state, c);
      events.push(...toEvents(c, this.state));
    }
    const to = events.length > 0 && this.router ? this.router.addressees() : [];
    // The events' outbox record goes in the same journal batch as their change: both or neither survive a crash.
    const queued = to.length > 0 ? { t: 'evQ' as const, at: Date.now(), to, ev: events } : undefined;
    if (queued) this.outbox.apply(queued);
    const written = this.journal.append(queued ? [...changes, queued] : changes);
    this.tail = written.catch(() => undefined);
    try {
      await written;
    } catch (err) {
      process.stderr.write(`[acs-emulator] state journal write failed: ${String(err)}\n`);
      throw Errors.persistenceFailed();
    }
    this.events.publish(events);
    if (queued) this.router?.queued(queued);
  }

  /**
   * Applies and journals delivery bookkeeping. Resolves once durable; callers that can live with a redelivery
   * after a crash (at least once) need not wait.
   */
  record(records: OutboxRecord[]): Promise<void> {
    for (const r of records) this.outbox.apply(r);
    return this.journal.append(records);
  }

  /**
   * For answers that acknowledge an earlier change without writing (an idempotent replay, deleting what is
   * already deleted): wait until what they acknowledge is durable. Journal batches complete in order.
   */
  durable(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    try {
      await this.journal.close();
    } finally {
      this.unlock();
    }
  }
}
