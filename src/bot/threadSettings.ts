/** The bot's per-thread settings in a table row per thread. */
import type { TableClient } from '@azure/data-tables';
import { getEntityOrUndefined, tableOnFirstUse } from '../storage/tables';
import type { ThreadSettings } from './bot';

export function tableThreadSettings(client: TableClient): ThreadSettings {
  const table = tableOnFirstUse(client);
  const rowKey = (threadId: string) => Buffer.from(threadId).toString('base64url');
  return {
    async timeZone(threadId) {
      const row = await getEntityOrUndefined<{ timeZone?: string }>(await table(), 'thread', rowKey(threadId));
      return row?.timeZone;
    },
    async setTimeZone(threadId, timeZone) {
      await (
        await table()
      ).upsertEntity({ partitionKey: 'thread', rowKey: rowKey(threadId), threadId, timeZone }, 'Merge');
    },
  };
}
