import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorEvent } from '../events/EmulatorEvent';
import type { EventHub } from '../events/EventHub';
import { toEvents } from '../events/toEvents';
import { newResourceId } from '../model/ids';
import { applyChange } from './applyChange';
import type { Change } from './changes';
import { FileJournal, NullJournal, type IJournal } from './Journal';
import { State } from './State';

export const JOURNAL_FILE = 'acs-emulator-state.jsonl';

/**
 * Every state change goes through commit(): applied to memory at once (so ids and sequence numbers are assigned
 * in order), made durable by the journal, then announced on the event hub.
 */
export class Store {
  private constructor(
    readonly state: State,
    private readonly journal: IJournal,
    private readonly events: EventHub,
  ) {}

  static async open(location: string | undefined, events: EventHub): Promise<Store> {
    let journal: IJournal = new NullJournal();
    if (location !== undefined) {
      mkdirSync(location, { recursive: true });
      journal = new FileJournal(path.join(location, JOURNAL_FILE));
    }
    const state = new State();
    for (const c of await journal.load()) applyChange(state, c);
    const store = new Store(state, journal, events);
    if (state.resourceId === '') await store.commit([{ t: 'init', resourceId: newResourceId() }]);
    return store;
  }

  async commit(changes: Change[]): Promise<void> {
    const events: EmulatorEvent[] = [];
    for (const c of changes) {
      applyChange(this.state, c);
      events.push(...toEvents(c, this.state));
    }
    await this.journal.append(changes);
    this.events.publish(events);
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
