import type { TableClient, TableServiceClient } from '@azure/data-tables';
import { tableEventDedupe } from '../../../src/bot/eventDedupe';

/** Resolves after the current macrotask: by then Node has reported any rejection left unhandled. */
const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('tableEventDedupe', () => {
  it('survives a failed sweep of old tables: no unhandled rejection to kill the worker', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let listFailed!: () => void;
      const listed = new Promise<void>((resolve) => (listFailed = resolve));
      const service = {
        listTables: () => ({
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              listFailed();
              throw new Error('listTables: storage unavailable');
            },
          }),
        }),
        deleteTable: async () => undefined,
      } as unknown as TableServiceClient;
      const rows = new Set<string>();
      const table = {
        createTable: async () => undefined,
        createEntity: async (e: { rowKey: string }) => void rows.add(e.rowKey),
        getEntity: async () => {
          throw Object.assign(new Error('not found'), { statusCode: 404 });
        },
        deleteEntity: async () => undefined,
      } as unknown as TableClient;
      const logged: string[] = [];
      const dedupe = tableEventDedupe(
        service,
        () => table,
        () => new Date('2026-12-05T10:00:00Z'),
        (line: string) => void logged.push(line),
      );

      await dedupe.seen('e1', new Date('2026-12-05T09:59:00Z'));
      await listed;
      await nextMacrotask();
      await nextMacrotask();

      expect(unhandled).toEqual([]);
      expect(logged.join('\n')).toContain('storage unavailable');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
