import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Errors } from '../errors/AcsErrorFactory';
import type { EmulatorEvent } from '../events/EmulatorEvent';
import type { EventHub } from '../events/EventHub';
import { toEvents } from '../events/toEvents';
import { newResourceId } from '../model/ids';
import { applyChange } from './applyChange';
import type { Change } from './changes';
import { FileJournal, NullJournal, type IJournal } from './Journal';
import { acquireLocationLock } from './LocationLock';
import { State } from './State';

export const JOURNAL_FILE = 'acs-emulator-state.jsonl';

/**
 * Every state change goes through commit(): applied to memory at once (so ids and sequence numbers are assigned
 * in order), made durable by the journal, then announced on the event hub.
 */
export class Store {
  /** settles once every change committed so far is durable */
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    readonly state: State,
    private readonly journal: IJournal,
    private readonly events: EventHub,
    private readonly unlock: () => void,
  ) {}

  static async open(location: string | undefined, events: EventHub): Promise<Store> {
    let journal: IJournal = new NullJournal();
    let unlock = (): void => undefined;
    if (location !== undefined) {
      mkdirSync(location, { recursive: true });
      unlock = acquireLocationLock(location);
      journal = new FileJournal(path.join(location, JOURNAL_FILE));
    }
    const state = new State();
    try {
      for (const c of await journal.load()) applyChange(state, c);
    } catch (err) {
      unlock();
      throw err;
    }
    const store = new Store(state, journal, events, unlock);
    if (state.resourceId === '') await store.commit([{ t: 'init', resourceId: newResourceId() }]);
    return store;
  }

  async commit(changes: Change[]): Promise<void> {
    const events: EmulatorEvent[] = [];
    for (const c of changes) {
      applyChange(this.state, c);
      events.push(...toEvents(c, this.state));
    }
    const written = this.journal.append(changes);
    this.tail = written.catch(() => undefined);
    try {
      await written;
    } catch (err) {
      process.stderr.write(`[acs-emulator] state journal write failed: ${String(err)}\n`);
      throw Errors.persistenceFailed();
    }
    this.events.publish(events);
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
