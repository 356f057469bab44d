/**
 * Azure Storage clients for the app's own state (tables, blobs, queues), built from the storage settings:
 * a connection string locally (Azurite), the service URIs + managed identity in Azure.
 *
 * The SDKs are imported on first use, not at module load: they weigh several hundred milliseconds together, and
 * the Functions worker loads every function module before the host can serve anything (see the cold-start bench).
 */
import type { TableClient, TableServiceClient } from '@azure/data-tables';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import type { StorageConfig } from '../config';

export interface StorageClients {
  tables: TableServiceClient;
  blobs: BlobServiceClient;
  queues: QueueServiceClient;
  table(name: string): TableClient;
}

export async function createStorageClients(config: StorageConfig): Promise<StorageClients> {
  const [{ TableClient, TableServiceClient }, { BlobServiceClient }, { QueueServiceClient }] = await Promise.all([
    import('@azure/data-tables'),
    import('@azure/storage-blob'),
    import('@azure/storage-queue'),
  ]);
  if (config.kind === 'connectionString') {
    // Azurite speaks plain http; the tables SDK refuses that unless told to (the blob and queue SDKs do not ask).
    const tableOptions = { allowInsecureConnection: usesHttp(config.connectionString) };
    return {
      tables: TableServiceClient.fromConnectionString(config.connectionString, tableOptions),
      blobs: BlobServiceClient.fromConnectionString(config.connectionString),
      queues: QueueServiceClient.fromConnectionString(config.connectionString),
      table: (name) => TableClient.fromConnectionString(config.connectionString, name, tableOptions),
    };
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential(config.clientId ? { managedIdentityClientId: config.clientId } : {});
  return {
    tables: new TableServiceClient(config.tableServiceUri, credential),
    blobs: new BlobServiceClient(config.blobServiceUri, credential),
    queues: new QueueServiceClient(config.queueServiceUri, credential),
    table: (name) => new TableClient(config.tableServiceUri, name, credential),
  };
}

function usesHttp(connectionString: string): boolean {
  return connectionString === 'UseDevelopmentStorage=true' || /(Protocol=http;|Endpoint=http:)/i.test(connectionString);
}
