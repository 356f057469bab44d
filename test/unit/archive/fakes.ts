/**
 * In-memory stand-ins for the archive's storage in unit tests: a thread folder kept in a Map, a lease that never
 * expires and change notes in a Map. Chat is the shared FakeChat (test/support/fakeChat.ts).
 */
import { Readable } from 'node:stream';
import type { Lease, ThreadBlobs } from '../../../src/archive/archiveStore';
import { ArchiveConflict } from '../../../src/archive/archiveStore';
import type { ChangeNote, ChangeNotes } from '../../../src/archive/changeNotes';
import type { Manifest } from '../../../src/archive/manifest';
import type { SealedPart } from '../../../src/archive/parts';

export const THREAD = '19:unit-test-thread@thread.v2';

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
