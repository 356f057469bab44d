/** Keeps the service user's id in a table row that every instance of the app reads. */
import type { TableClient } from '@azure/data-tables';
import type { ServiceUserStore } from '../acs/serviceIdentity';
import { statusOf, tableOnFirstUse } from './tables';

const PARTITION = 'service-identity';
const ROW = 'acs-user';

interface ServiceUserEntity {
  partitionKey: string;
  rowKey: string;
  userId: string;
}

export function serviceUserTable(table: TableClient): ServiceUserStore {
  const ensureTable = tableOnFirstUse(table);

  const read = async (): Promise<string | undefined> => {
    await ensureTable();
    try {
      return (await table.getEntity<ServiceUserEntity>(PARTITION, ROW)).userId;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  return {
    read,
    async claim(userId) {
      await ensureTable();
      try {
        // Insert-only: of two instances racing, exactly one insert succeeds.
        await table.createEntity<ServiceUserEntity>({ partitionKey: PARTITION, rowKey: ROW, userId });
        return userId;
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        const stored = await read();
        if (!stored) throw error;
        return stored;
      }
    },
  };
}
