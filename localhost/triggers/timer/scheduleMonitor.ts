import type { ContainerClient } from '@azure/storage-blob';
import { BlobServiceClient } from '@azure/storage-blob';

export interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/**
 * A time as the runtime's JSON writes it (.NET's round-trip format without trailing zeros in the fraction):
 * `2026-12-05T09:00:00Z`, `2026-12-05T09:00:00.12Z`. Stored and handed to the function in this form.
 */
export function dotNetTime(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  return date.toISOString().replace(/\.?0*Z$/, 'Z');
}

/**
 * Keeps each timer's schedule status where the Functions runtime does (blob
 * `azure-webjobs-hosts/timers/{hostId}/Host.Functions.{name}/status`), so a host restart can tell that an
 * occurrence was missed and run it once with isPastDue.
 */
export class ScheduleMonitor {
  private readonly container: ContainerClient;
  private ensured: Promise<unknown> | undefined;

  constructor(
    connectionString: string,
    private readonly hostId: string,
  ) {
    // Few, short retries: a missing Azurite must not stall timers for minutes.
    const service = BlobServiceClient.fromConnectionString(connectionString, {
      retryOptions: { maxTries: 2, tryTimeoutInMs: 5000, retryDelayInMs: 200 },
    });
    this.container = service.getContainerClient('azure-webjobs-hosts');
  }

  private blob(functionName: string) {
    return this.container.getBlockBlobClient(`timers/${this.hostId}/Host.Functions.${functionName}/status`);
  }

  async read(functionName: string): Promise<ScheduleStatus | undefined> {
    try {
      const buffer = await this.blob(functionName).downloadToBuffer();
      const parsed = JSON.parse(buffer.toString('utf8')) as Partial<ScheduleStatus>;
      if (typeof parsed.Next !== 'string' || Number.isNaN(Date.parse(parsed.Next))) return undefined;
      return {
        Last: dotNetTime(String(parsed.Last ?? '')),
        Next: dotNetTime(parsed.Next),
        LastUpdated: dotNetTime(String(parsed.LastUpdated ?? '')),
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async write(functionName: string, status: ScheduleStatus): Promise<void> {
    this.ensured ??= this.container.createIfNotExists();
    await this.ensured;
    const body = JSON.stringify(status);
    await this.blob(functionName).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }
}

/** The host id the runtime would use locally: the app's name, lowercased, alphanumerics and dashes, 32 chars. */
export function localHostId(appName: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AzureFunctionsWebHost__hostid;
  const raw = configured && configured.trim() !== '' ? configured : appName;
  const id = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return id === '' ? 'local-functions-host' : id;
}
