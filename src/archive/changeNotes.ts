/**
 * Messages reported as edited or deleted (ACS chat events, noted by src/bot/chatEvents.ts), waiting for the
 * next run of their thread. A run fetches each noted message and archives its new version if the archive does not
 * hold it yet; this reaches edits of messages created before the re-scan window, which no listing from startTime
 * returns. One row per (thread, message): noting the same message twice before a run is one note.
 */
import { type TableClient, odata } from '@azure/data-tables';
import { statusOf, tableOnFirstUse } from '../storage/tables';

export interface ChangeNote {
  messageId: string;
  etag: string;
}

export interface ChangeNotes {
  note(threadId: string, messageId: string): Promise<void>;
  /** Up to `max` notes of a thread. */
  list(threadId: string, max: number): Promise<ChangeNote[]>;
  /** Removes notes as read: one noted again since (another ETag) stays for the next run. */
  clear(threadId: string, notes: readonly ChangeNote[]): Promise<void>;
}

export function tableChangeNotes(client: TableClient, now: () => Date = () => new Date()): ChangeNotes {
  const table = tableOnFirstUse(client);
  return {
    async note(threadId, messageId) {
      await (
        await table()
      ).upsertEntity({ partitionKey: threadId, rowKey: messageId, notedAt: now().toISOString() }, 'Replace');
    },
    async list(threadId, max) {
      const out: ChangeNote[] = [];
      const rows = (await table()).listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${threadId}`, select: ['RowKey'] },
      });
      for await (const row of rows) {
        out.push({ messageId: row.rowKey ?? '', etag: row.etag });
        if (out.length >= max) break;
      }
      return out;
    },
    async clear(threadId, notes) {
      const t = await table();
      for (const n of notes) {
        try {
          await t.deleteEntity(threadId, n.messageId, { etag: n.etag });
        } catch (error) {
          const status = statusOf(error);
          if (status !== 404 && status !== 412) throw error;
        }
      }
    },
  };
}
