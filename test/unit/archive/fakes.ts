/**
 * In-memory stand-ins for the archive's collaborators in unit tests: a ChatPort over one thread that pages newest
 * first like ACS, a thread folder kept in a Map, a lease that never expires and change notes in a Map.
 */
import { Readable } from 'node:stream';
import type { ChatMessageInfo, ChatPort, MessagePage } from '../../../src/acs/chatPort';
import { AcsFailure } from '../../../src/acs/acsErrors';
import type { Lease, ThreadBlobs } from '../../../src/archive/archiveStore';
import { ArchiveConflict } from '../../../src/archive/archiveStore';
import type { ChangeNote, ChangeNotes } from '../../../src/archive/changeNotes';
import type { Manifest } from '../../../src/archive/manifest';
import type { SealedPart } from '../../../src/archive/parts';

export const THREAD = '19:unit-test-thread@thread.v2';
const USER = '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001';

export class FakeThread {
  messages: ChatMessageInfo[] = [];
  createdOn = new Date('2026-01-01T00:00:00Z');
  deleted = false;
  listCalls = 0;
  private clock = Date.parse('2026-01-01T00:00:00Z');

  send(text: string, type: 'text' | 'html' | 'topicUpdated' = 'text'): ChatMessageInfo {
    const at = (this.clock += 1000);
    const m: ChatMessageInfo = {
      id: String(at),
      type,
      sequenceId: String(this.messages.length + 1),
      version: String(at),
      createdOn: new Date(at).toISOString(),
      ...(type === 'topicUpdated'
        ? { content: { topic: text, initiatorId: USER } }
        : { senderId: USER, senderDisplayName: 'User', content: { message: text } }),
    };
    this.messages.push(m);
    return m;
  }

  edit(seq: number, text: string): void {
    const m = this.at(seq);
    const at = (this.clock += 1000);
    m.content = { message: text };
    m.editedOn = new Date(at).toISOString();
    m.version = String(at);
  }

  remove(seq: number): void {
    const m = this.at(seq);
    const at = (this.clock += 1000);
    m.content = {};
    m.deletedOn = new Date(at).toISOString();
    m.version = String(at);
  }

  /**
   * An edit as the live service records it: the message takes the thread's next sequence id (and so lists first),
   * its old sequence id stays empty.
   */
  editMoving(seq: number, text: string | undefined): ChatMessageInfo {
    const m = this.at(seq);
    const at = (this.clock += 1000);
    if (text === undefined) {
      m.content = { message: '' };
      m.deletedOn = new Date(at).toISOString();
    } else {
      m.content = { message: text };
      m.editedOn = new Date(at).toISOString();
    }
    m.version = String(at);
    this.moved.set(seq, m);
    this.messages[seq - 1] = { ...m, sequenceId: '0', id: `gap-${seq}` }; // a hole nobody lists
    m.sequenceId = String(this.messages.length + 1);
    this.messages.push(m);
    return m;
  }

  private readonly moved = new Map<number, ChatMessageInfo>();

  at(seq: number): ChatMessageInfo {
    const m = this.messages[seq - 1];
    if (!m) throw new Error(`no message ${seq}`);
    return m;
  }
}

/** Only what the archive calls; everything else throws. */
export function fakeChat(thread: FakeThread): ChatPort {
  const gone = (): never => {
    throw new AcsFailure('notFound', 'ACS answered 404', 404);
  };
  const unused = (): never => {
    throw new Error('not used by the archive');
  };
  const clone = (m: ChatMessageInfo): ChatMessageInfo => JSON.parse(JSON.stringify(m)) as ChatMessageInfo;
  return {
    serviceUserId: async () => USER,
    createThread: unused,
    async getThread(id) {
      if (thread.deleted || id !== THREAD) gone();
      return { id, topic: 'Unit', createdOn: thread.createdOn.toISOString(), createdBy: USER };
    },
    async deleteThread() {
      thread.deleted = true;
    },
    updateTopic: unused,
    listThreads: unused,
    addParticipants: unused,
    removeParticipant: unused,
    async *listParticipants() {
      if (thread.deleted) gone();
      yield { id: USER, displayName: 'User' };
    },
    sendMessage: unused,
    async getMessage(_id, messageId) {
      if (thread.deleted) gone();
      const m = thread.messages.find((x) => x.id === messageId);
      return m ? clone(m) : gone();
    },
    listMessages: unused,
    async listMessagesPage(_id, options = {}): Promise<MessagePage> {
      if (thread.deleted) gone();
      thread.listCalls++;
      const size = options.pageSize ?? 100;
      const floor = options.startTime?.getTime() ?? 0;
      // The token is the sequence id to continue below, like the emulator's cursor.
      const below = options.continuationToken ? Number(options.continuationToken) : thread.messages.length + 1;
      const page = thread.messages
        .filter((m) => m.sequenceId !== '0' && Number(m.sequenceId) < below && Date.parse(m.createdOn) >= floor)
        .reverse()
        .slice(0, size);
      const last = page[page.length - 1];
      const more =
        last !== undefined &&
        thread.messages.some(
          (m) =>
            m.sequenceId !== '0' && Number(m.sequenceId) < Number(last.sequenceId) && Date.parse(m.createdOn) >= floor,
        );
      return { messages: page.map(clone), ...(more && last ? { continuationToken: last.sequenceId } : {}) };
    },
  };
}

export class MemoryBlobs implements ThreadBlobs {
  readonly threadId = THREAD;
  manifest: { manifest: Manifest; etag: string } | undefined;
  parts = new Map<string, Buffer>();
  uploads = 0;
  /** Throws on this upload (1-based), to cut a run short. */
  failUpload: number | undefined;
  private version = 0;

  async readManifest() {
    return this.manifest ? JSON.parse(JSON.stringify(this.manifest)) : undefined;
  }

  async writeManifest(manifest: Manifest, etag: string | undefined): Promise<string> {
    if ((this.manifest?.etag ?? undefined) !== etag) throw new ArchiveConflict('moved');
    const next = `"${++this.version}"`;
    this.manifest = { manifest: JSON.parse(JSON.stringify(manifest)) as Manifest, etag: next };
    return next;
  }

  async uploadPart(part: SealedPart): Promise<void> {
    this.uploads++;
    if (this.uploads === this.failUpload) throw new Error('storage went away');
    this.parts.set(part.name, Buffer.from(part.gz));
  }

  async downloadPart(name: string): Promise<NodeJS.ReadableStream> {
    const gz = this.parts.get(name);
    if (!gz) throw new Error(`no part ${name}`);
    return Readable.from([gz]);
  }

  async *partNames(): AsyncIterable<string> {
    yield* [...this.parts.keys()];
  }

  async deletePart(name: string): Promise<void> {
    this.parts.delete(name);
  }
}

export const foreverLease: Lease = { check: () => undefined, release: async () => undefined };

export function memoryNotes(): ChangeNotes & { notes: Map<string, string> } {
  const notes = new Map<string, string>();
  let n = 0;
  return {
    notes,
    async note(_threadId, messageId) {
      notes.set(messageId, String(++n));
    },
    async list(_threadId, max): Promise<ChangeNote[]> {
      return [...notes.entries()].slice(0, max).map(([messageId, etag]) => ({ messageId, etag }));
    },
    async clear(_threadId, cleared) {
      for (const c of cleared) if (notes.get(c.messageId) === c.etag) notes.delete(c.messageId);
    },
  };
}
