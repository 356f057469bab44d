/**
 * Event ids seen, one table per UTC day of the event's time (`botevents20261201`): a redelivery carries the same
 * id and time, so it lands in the same table; whole days expire by dropping their table, which is one call, where
 * deleting rows one by one would cost a call each.
 */
import { odata, type TableServiceClient, type TableClient } from '@azure/data-tables';
import { statusOf } from '../storage/tables';
import type { EventDedupe } from './chatEvents';

const PREFIX = 'botevents';
/** Event Grid gives up after 24 h; keep ids a little longer. */
const KEEP_DAYS = 2;

export function tableEventDedupe(
  service: TableServiceClient,
  tableFor: (name: string) => TableClient,
  now: () => Date = () => new Date(),
  log: (line: string) => void = (line) => console.warn(line),
): EventDedupe {
  const ready = new Map<string, Promise<TableClient>>();
  let sweptDay = '';
  const table = (day: string): Promise<TableClient> => {
    let t = ready.get(day);
    if (!t) {
      const client = tableFor(`${PREFIX}${day}`);
      t = client.createTable().then(() => client);
      t.catch(() => ready.delete(day));
      ready.set(day, t);
      // Housekeeping only: a failure is logged and retried with the next new table, never left unhandled (an
      // unhandled rejection ends the Node worker and every invocation in flight).
      sweep().catch((error: unknown) => {
        sweptDay = '';
        log(`Could not drop expired bot event tables: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    return t;
  };
  /** Drops the tables of days past KEEP_DAYS, once a day per process. */
  const sweep = async (): Promise<void> => {
    const today = dayOf(now());
    if (sweptDay === today) return;
    sweptDay = today;
    const oldest = dayOf(new Date(now().getTime() - KEEP_DAYS * 86_400_000));
    const names: string[] = [];
    for await (const t of service.listTables({
      queryOptions: { filter: odata`TableName ge ${PREFIX} and TableName lt ${`${PREFIX}~`}` },
    })) {
      if (t.name && t.name.slice(PREFIX.length) < oldest) names.push(t.name);
    }
    for (const name of names) {
      await service.deleteTable(name).catch(() => undefined);
      ready.delete(name.slice(PREFIX.length));
    }
  };
  return {
    async seen(eventId, eventTime) {
      const t = await table(dayOf(eventTime));
      try {
        await t.getEntity('event', rowKeyOf(eventId));
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    },
    async remember(eventId, eventTime) {
      const t = await table(dayOf(eventTime));
      await t.upsertEntity(
        { partitionKey: 'event', rowKey: rowKeyOf(eventId), seenAt: now().toISOString() },
        'Replace',
      );
    },
  };
}

function dayOf(at: Date): string {
  const d = Number.isNaN(at.getTime()) ? new Date() : at;
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** Row keys may not hold / \ # ? or control characters. */
function rowKeyOf(id: string): string {
  return /^[A-Za-z0-9._:-]{1,200}$/.test(id) ? id : Buffer.from(id).toString('base64url').slice(0, 512);
}
