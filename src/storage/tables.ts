/** Small helpers over the tables SDK shared by every store: create-on-first-use and status checks. */
import type { TableClient } from '@azure/data-tables';

/** Runs `createTable` once per client (it is idempotent in the SDK); a failure is retried on the next use. */
export function tableOnFirstUse(table: TableClient): () => Promise<TableClient> {
  let ready: Promise<void> | undefined;
  return async () => {
    ready ??= table.createTable().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    await ready;
    return table;
  };
}

export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

/** The entity, or undefined when it does not exist. */
export async function getEntityOrUndefined<T extends object>(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<(T & { etag: string }) | undefined> {
  try {
    return (await table.getEntity<T>(partitionKey, rowKey)) as T & { etag: string };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Table transactions take at most 100 operations, all in one partition. */
export const MAX_BATCH = 100;

export async function upsertAll<T extends { partitionKey: string; rowKey: string }>(
  table: TableClient,
  entities: readonly T[],
): Promise<void> {
  const byPartition = new Map<string, T[]>();
  for (const e of entities) {
    const list = byPartition.get(e.partitionKey) ?? [];
    list.push(e);
    byPartition.set(e.partitionKey, list);
  }
  for (const list of byPartition.values()) {
    for (let i = 0; i < list.length; i += MAX_BATCH) {
      await table.submitTransaction(list.slice(i, i + MAX_BATCH).map((e) => ['upsert', e, 'Replace'] as const));
    }
  }
}

/** A row to delete, as listed (its ETag: a row changed since it was listed is left alone). */
export interface ListedRow {
  partitionKey: string;
  rowKey: string;
  etag: string;
}

/**
 * Deletes the listed rows one by one, each on its listed ETag; a row already gone or changed since is skipped.
 * Returns how many were deleted.
 */
export async function deleteListed(table: TableClient, rows: readonly ListedRow[]): Promise<number> {
  let deleted = 0;
  for (const row of rows) {
    try {
      await table.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
      deleted++;
    } catch (error) {
      if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
    }
  }
  return deleted;
}

/** The first `max` rows matching `filter` (keys and ETags only). */
export async function listKeys(table: TableClient, filter: string, max: number): Promise<ListedRow[]> {
  const rows: ListedRow[] = [];
  const query = table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } });
  for await (const e of query) {
    rows.push({ partitionKey: e.partitionKey as string, rowKey: e.rowKey as string, etag: e.etag });
    if (rows.length >= max) break;
  }
  return rows;
}
