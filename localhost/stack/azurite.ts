import type { ChildProcess } from 'child_process';
import path from 'path';
import { stopChild, waitForLine } from './processTree';
import { spawnSupervised } from './spawnSupervised';

/** Azurite's published development account (documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  host?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Data directory; omitted = in memory. */
  location?: string;
  silent?: boolean;
  startTimeoutMs?: number;
}

export interface RunningAzurite {
  child: ChildProcess;
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  stop(): Promise<void>;
}

export function azuriteScript(): string {
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}

export function connectionStringFor(blob: string, queue: string, table: string): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${blob};QueueEndpoint=${queue};TableEndpoint=${table};`
  );
}

/** Starts Azurite as a child of this Node (never via npx, which orphans it) and waits for its three services. */
export async function spawnAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = options.host ?? '127.0.0.1';
  const args = [
    '--blobHost',
    host,
    '--queueHost',
    host,
    '--tableHost',
    host,
    '--blobPort',
    String(options.blobPort ?? 0),
    '--queuePort',
    String(options.queuePort ?? 0),
    '--tablePort',
    String(options.tablePort ?? 0),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    ...(options.silent === false ? [] : ['--silent']),
  ];
  const child = spawnSupervised(azuriteScript(), args);
  const timeout = options.startTimeoutMs ?? 30_000;
  const line = (service: string): Promise<RegExpMatchArray> =>
    waitForLine(
      child,
      new RegExp(`Azurite ${service} service is successfully listening at (http://\\S+)`),
      timeout,
      'Azurite',
    );
  try {
    const [blob, queue, table] = await Promise.all([line('Blob'), line('Queue'), line('Table')]);
    const blobEndpoint = `${blob[1]}/${DEV_ACCOUNT}`;
    const queueEndpoint = `${queue[1]}/${DEV_ACCOUNT}`;
    const tableEndpoint = `${table[1]}/${DEV_ACCOUNT}`;
    // Keep the pipes drained so a chatty Azurite never blocks on a full buffer.
    child.stdout?.resume();
    child.stderr?.resume();
    return {
      child,
      blobEndpoint,
      queueEndpoint,
      tableEndpoint,
      connectionString: connectionStringFor(blobEndpoint, queueEndpoint, tableEndpoint),
      stop: () => stopChild(child, 10_000),
    };
  } catch (err) {
    await stopChild(child, 2000);
    throw err;
  }
}
